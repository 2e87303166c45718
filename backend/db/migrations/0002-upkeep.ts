import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";

/**
 * What keeping the posture current needs: the advisory data version each image was evaluated against and the
 * advisory ecosystems its packages need; and token management: a public id per token and when it was last used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("images").addColumn("advisory_version", "integer").execute();
  await db.schema.alterTable("images").addColumn("advisory_ecosystems", "text").execute();
  await db.schema.alterTable("tokens").addColumn("id", "text").execute();
  await db.schema.alterTable("tokens").addColumn("last_used_at", "text").execute();
  const tokens = db.withTables<{ tokens: { hash: string; id: string | null } }>();
  for (const { hash } of await tokens.selectFrom("tokens").select("hash").execute())
    await tokens.updateTable("tokens").set({ id: newTokenId() }).where("hash", "=", hash).execute();
  await db.schema.createIndex("tokens_by_id").on("tokens").column("id").unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("tokens_by_id").execute();
  for (const [table, column] of [
    ["tokens", "last_used_at"],
    ["tokens", "id"],
    ["images", "advisory_ecosystems"],
    ["images", "advisory_version"],
  ] as const)
    await db.schema.alterTable(table).dropColumn(column).execute();
}

/** "tok_" and 12 hex digits: what the API and the CLI name a token by; it says nothing about the secret. */
export function newTokenId(): string {
  return `tok_${randomBytes(6).toString("hex")}`;
}
