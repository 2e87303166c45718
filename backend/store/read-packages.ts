import type { Expression, SqlBool } from "kysely";
import type { StrataDb } from "../db/tables.ts";
import { type PackageOwner, packageOwner, stringList } from "./json-columns.ts";
import { contains, type Page } from "./search.ts";

export interface PackageView {
  id: string;
  name: string;
  version: string;
  ecosystem: string;
  purl: string;
  licenses: string[];
  foundBy: string;
  /** The layer that introduced it. */
  layer: number;
  path: string | null;
  ownedBy: PackageOwner | null;
  /** Findings on this package. */
  findings: number;
}

export const packageSorts = ["layer", "name", "ecosystem", "path", "findings"] as const;
export type PackageSort = (typeof packageSorts)[number];

export interface PackageQuery {
  ecosystem?: string[] | undefined;
  layer?: number | undefined;
  /** Substring of the name or purl, any case. */
  q?: string | undefined;
  sort: PackageSort;
  /** Default: ascending, but most findings first. */
  order?: "asc" | "desc" | undefined;
  page: number;
  limit: number;
}

const sortColumns = { layer: "layer_index", name: "name", ecosystem: "ecosystem" } as const;
const defaultOrder = { layer: "asc", name: "asc", ecosystem: "asc", path: "asc", findings: "desc" } as const;

/** An image's packages, by `query.sort` (layer by default), then in layer order and by name. */
export async function listPackages(db: StrataDb, imageId: string, query: PackageQuery): Promise<Page<PackageView>> {
  const base = db.selectFrom("packages").where((eb) => {
    const conditions: Expression<SqlBool>[] = [eb("image_id", "=", imageId)];
    if (query.ecosystem && query.ecosystem.length > 0) conditions.push(eb("ecosystem", "in", query.ecosystem));
    if (query.layer !== undefined) conditions.push(eb("layer_index", "=", query.layer));
    if (query.q !== undefined && query.q !== "")
      conditions.push(eb.or([contains("name", query.q), contains("purl", query.q)]));
    return eb.and(conditions);
  });
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const order = query.order ?? defaultOrder[query.sort];
  const selected = base.selectAll();
  const sorted =
    query.sort === "findings"
      ? selected.orderBy(
          (eb) =>
            eb
              .selectFrom("findings")
              .select(eb.fn.countAll<number>().as("n"))
              .whereRef("findings.image_id", "=", "packages.image_id")
              .whereRef("findings.package_id", "=", "packages.package_id"),
          order,
        )
      : query.sort === "path"
        ? selected.orderBy("path", (by) => (order === "asc" ? by.asc() : by.desc()).nullsLast())
        : selected.orderBy(sortColumns[query.sort], order);
  const rows = await sorted
    .orderBy("layer_index")
    .orderBy("name")
    .orderBy("version")
    .orderBy("package_id")
    .limit(query.limit)
    .offset((query.page - 1) * query.limit)
    .execute();
  const counts = new Map<string, number>();
  if (rows.length > 0) {
    const found = await db
      .selectFrom("findings")
      .select(["package_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("image_id", "=", imageId)
      .where(
        "package_id",
        "in",
        rows.map((row) => row.package_id),
      )
      .groupBy("package_id")
      .execute();
    for (const { package_id, n } of found) counts.set(package_id, n);
  }
  return {
    items: rows.map((row) => ({
      id: row.package_id,
      name: row.name,
      version: row.version,
      ecosystem: row.ecosystem,
      purl: row.purl,
      licenses: stringList(row.licenses),
      foundBy: row.found_by,
      layer: row.layer_index,
      path: row.path,
      ownedBy: packageOwner(row.owned_by),
      findings: counts.get(row.package_id) ?? 0,
    })),
    page: query.page,
    limit: query.limit,
    total: total,
  };
}
