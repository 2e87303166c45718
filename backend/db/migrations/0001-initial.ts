import type { Kysely } from "kysely";
import type { DialectName } from "../dialect.ts";

/** The first schema: images and what an upload brings (layers, packages), findings, and API tokens. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const binary = dialect === "postgres" ? "bytea" : "blob";
  await db.schema
    .createTable("images")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("reference", "text", (col) => col.notNull())
    .addColumn("kind", "text", (col) => col.notNull())
    .addColumn("manifest_digest", "text")
    .addColumn("config_digest", "text")
    .addColumn("tags", "text", (col) => col.notNull())
    .addColumn("search", "text", (col) => col.notNull())
    .addColumn("platform", "text")
    .addColumn("distro_id", "text")
    .addColumn("distro_version", "text")
    .addColumn("distro_name", "text")
    .addColumn("created", "text")
    .addColumn("scanned_at", "text", (col) => col.notNull())
    .addColumn("scanner_version", "text", (col) => col.notNull())
    .addColumn("first_seen", "text", (col) => col.notNull())
    .addColumn("last_seen", "text", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull())
    .addColumn("evaluated_at", "text")
    .addColumn("package_count", "integer", (col) => col.notNull())
    .addColumn("finding_count", "integer", (col) => col.notNull())
    .addColumn("inventory", binary, (col) => col.notNull())
    .execute();
  await db.schema.createIndex("images_by_last_seen").on("images").columns(["last_seen", "id"]).execute();
  await db.schema.createIndex("images_by_reference").on("images").columns(["reference", "id"]).execute();
  await db.schema.createIndex("images_by_findings").on("images").columns(["finding_count", "id"]).execute();

  await db.schema
    .createTable("layers")
    .addColumn("image_id", "text", (col) => col.notNull().references("images.id").onDelete("cascade"))
    .addColumn("layer_index", "integer", (col) => col.notNull())
    .addColumn("digest", "text", (col) => col.notNull())
    .addColumn("diff_id", "text", (col) => col.notNull())
    .addColumn("size", "bigint", (col) => col.notNull())
    .addColumn("media_type", "text", (col) => col.notNull())
    .addColumn("created_by", "text")
    .addColumn("created", "text")
    .addColumn("package_count", "integer", (col) => col.notNull())
    .addPrimaryKeyConstraint("layers_pk", ["image_id", "layer_index"])
    .execute();

  await db.schema
    .createTable("packages")
    .addColumn("image_id", "text", (col) => col.notNull().references("images.id").onDelete("cascade"))
    .addColumn("package_id", "text", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("version", "text", (col) => col.notNull())
    .addColumn("ecosystem", "text", (col) => col.notNull())
    .addColumn("purl", "text", (col) => col.notNull())
    .addColumn("licenses", "text", (col) => col.notNull())
    .addColumn("found_by", "text", (col) => col.notNull())
    .addColumn("layer_index", "integer", (col) => col.notNull())
    .addColumn("path", "text")
    .addColumn("owned_by", "text")
    .addPrimaryKeyConstraint("packages_pk", ["image_id", "package_id"])
    .execute();
  await db.schema.createIndex("packages_by_layer").on("packages").columns(["image_id", "layer_index"]).execute();

  await db.schema
    .createTable("findings")
    .addColumn("image_id", "text", (col) => col.notNull().references("images.id").onDelete("cascade"))
    .addColumn("package_id", "text", (col) => col.notNull())
    .addColumn("vulnerability_id", "text", (col) => col.notNull())
    .addColumn("aliases", "text", (col) => col.notNull())
    .addColumn("advisories", "text", (col) => col.notNull())
    .addColumn("summary", "text")
    .addColumn("package_name", "text", (col) => col.notNull())
    .addColumn("package_version", "text", (col) => col.notNull())
    .addColumn("ecosystem", "text", (col) => col.notNull())
    .addColumn("purl", "text", (col) => col.notNull())
    .addColumn("severity", "text", (col) => col.notNull())
    .addColumn("severity_rank", "integer", (col) => col.notNull())
    .addColumn("score", "double precision")
    .addColumn("severity_vector", "text")
    .addColumn("severity_source", "text", (col) => col.notNull())
    .addColumn("fixed_versions", "text", (col) => col.notNull())
    .addColumn("fixable", "integer", (col) => col.notNull())
    .addColumn("detection", "text", (col) => col.notNull())
    .addColumn("layer_index", "integer", (col) => col.notNull())
    .addColumn("refs", "text", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("findings_by_severity")
    .on("findings")
    .columns(["image_id", "severity_rank", "score"])
    .execute();
  await db.schema.createIndex("findings_by_package").on("findings").columns(["image_id", "package_id"]).execute();

  await db.schema
    .createTable("tokens")
    .addColumn("hash", "text", (col) => col.primaryKey())
    .addColumn("role", "text", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["tokens", "findings", "packages", "layers", "images"])
    await db.schema.dropTable(table).execute();
}
