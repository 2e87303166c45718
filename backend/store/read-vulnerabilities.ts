import type { Expression, SqlBool } from "kysely";
import { type SeverityRating, severityRatings } from "../../src/model/finding.ts";
import type { StrataDb } from "../db/tables.ts";
import { isSeverityRating } from "../posture/severity-counts.ts";
import { stringList } from "./json-columns.ts";
import { contains, type Page } from "./search.ts";

export interface VulnerabilityView {
  id: string;
  aliases: string[];
  advisories: string[];
  summary: string | null;
  severity: { rating: SeverityRating; score: number | null; vector: string | null; source: string };
  package: { id: string; name: string; version: string; ecosystem: string; purl: string };
  fixedVersions: string[];
  fixable: boolean;
  detection: "os" | "sca";
  /** The layer that introduced the vulnerable package. */
  layer: number;
  references: string[];
}

export const vulnerabilitySorts = ["severity", "id", "package", "layer", "detection"] as const;
export type VulnerabilitySort = (typeof vulnerabilitySorts)[number];

export interface VulnerabilityQuery {
  detection?: "os" | "sca" | undefined;
  severity?: SeverityRating[] | undefined;
  ecosystem?: string[] | undefined;
  layer?: number | undefined;
  fixable?: boolean | undefined;
  /** Substring of the vulnerability id, an alias or the package name, any case. */
  q?: string | undefined;
  sort: VulnerabilitySort;
  /** Default: ascending, but worst first by severity. */
  order?: "asc" | "desc" | undefined;
  page: number;
  limit: number;
}

const sortColumns = {
  id: "vulnerability_id",
  package: "package_name",
  layer: "layer_index",
  detection: "detection",
} as const;

/**
 * An image's findings by `query.sort`, then worst first: by rating, then CVSS score, then id and package.
 * By severity, "desc" (the default) is worst first and "asc" least severe first.
 */
export async function listVulnerabilities(
  db: StrataDb,
  imageId: string,
  query: VulnerabilityQuery,
): Promise<Page<VulnerabilityView>> {
  const base = db.selectFrom("findings").where((eb) => {
    const conditions: Expression<SqlBool>[] = [eb("image_id", "=", imageId)];
    if (query.detection !== undefined) conditions.push(eb("detection", "=", query.detection));
    if (query.severity && query.severity.length > 0)
      conditions.push(
        eb(
          "severity_rank",
          "in",
          query.severity.map((rating) => severityRatings.indexOf(rating)),
        ),
      );
    if (query.ecosystem && query.ecosystem.length > 0) conditions.push(eb("ecosystem", "in", query.ecosystem));
    if (query.layer !== undefined) conditions.push(eb("layer_index", "=", query.layer));
    if (query.fixable !== undefined) conditions.push(eb("fixable", "=", query.fixable ? 1 : 0));
    if (query.q !== undefined && query.q !== "")
      conditions.push(
        eb.or([contains("vulnerability_id", query.q), contains("aliases", query.q), contains("package_name", query.q)]),
      );
    return eb.and(conditions);
  });
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const selected = base.selectAll();
  const leastFirst = query.sort === "severity" && query.order === "asc";
  const sorted = query.sort === "severity" ? selected : selected.orderBy(sortColumns[query.sort], query.order ?? "asc");
  const rows = await sorted
    .orderBy("severity_rank", leastFirst ? "desc" : "asc")
    .orderBy("score", (by) => (leastFirst ? by.asc().nullsFirst() : by.desc().nullsLast()))
    .orderBy("vulnerability_id")
    .orderBy("package_name")
    .orderBy("package_id")
    .limit(query.limit)
    .offset((query.page - 1) * query.limit)
    .execute();
  return {
    items: rows.map((row) => ({
      id: row.vulnerability_id,
      aliases: stringList(row.aliases),
      advisories: stringList(row.advisories),
      summary: row.summary,
      severity: {
        rating: isSeverityRating(row.severity) ? row.severity : "unknown",
        score: row.score,
        vector: row.severity_vector,
        source: row.severity_source,
      },
      package: {
        id: row.package_id,
        name: row.package_name,
        version: row.package_version,
        ecosystem: row.ecosystem,
        purl: row.purl,
      },
      fixedVersions: stringList(row.fixed_versions),
      fixable: row.fixable === 1,
      detection: row.detection === "os" ? "os" : "sca",
      layer: row.layer_index,
      references: stringList(row.refs),
    })),
    page: query.page,
    limit: query.limit,
    total: total,
  };
}
