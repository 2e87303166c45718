import type { Selectable } from "kysely";
import type { ImagesTable, StrataDb } from "../db/tables.ts";
import { emptySeverityCounts, isSeverityRating, type SeverityCounts } from "../posture/severity-counts.ts";
import { stringList } from "./json-columns.ts";
import { contains, type Page } from "./search.ts";

export interface ImageSummary {
  id: string;
  reference: string;
  tags: string[];
  platform: string | null;
  distro: { id: string; version: string | null; name: string | null } | null;
  created: string | null;
  scannedAt: string;
  firstSeen: string;
  lastSeen: string;
  evaluatedAt: string | null;
  /** The advisory data version the findings were computed against (null: stored before it was kept). */
  advisoryVersion: number | null;
  packages: number;
  findings: number;
  severities: SeverityCounts;
}

export interface LayerDetails {
  index: number;
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  createdBy: string | null;
  created: string | null;
  /** Packages this layer introduced. */
  packages: number;
  /** Findings on the packages this layer introduced. */
  findings: number;
  severities: SeverityCounts;
}

export interface ImageDetails extends ImageSummary {
  kind: string;
  manifestDigest: string | null;
  configDigest: string | null;
  scanner: { name: "strata"; version: string };
  /** Packages per ecosystem. */
  ecosystems: Record<string, number>;
  layers: LayerDetails[];
}

export const imageSorts = ["reference", "lastSeen", "findings"] as const;
export type ImageSort = (typeof imageSorts)[number];

export interface ImageQuery {
  /** Substring of the reference or a tag, any case. */
  q?: string | undefined;
  sort: ImageSort;
  /** Default: ascending by reference, newest first by lastSeen, most first by findings. */
  order?: "asc" | "desc" | undefined;
  page: number;
  limit: number;
}

const sortColumns = { reference: "reference", lastSeen: "last_seen", findings: "finding_count" } as const;
const defaultOrder = { reference: "asc", lastSeen: "desc", findings: "desc" } as const;

const summaryColumns = [
  "id",
  "reference",
  "tags",
  "platform",
  "distro_id",
  "distro_version",
  "distro_name",
  "created",
  "scanned_at",
  "first_seen",
  "last_seen",
  "evaluated_at",
  "advisory_version",
  "package_count",
  "finding_count",
] as const;

type SummaryRow = Pick<Selectable<ImagesTable>, (typeof summaryColumns)[number]>;

export async function listImages(db: StrataDb, query: ImageQuery): Promise<Page<ImageSummary>> {
  let base = db.selectFrom("images");
  if (query.q !== undefined && query.q !== "") base = base.where(contains("search", query.q));
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as("total")).executeTakeFirstOrThrow();
  const order = query.order ?? defaultOrder[query.sort];
  const rows = await base
    .select(summaryColumns)
    .orderBy(sortColumns[query.sort], order)
    .orderBy("id", order)
    .limit(query.limit)
    .offset((query.page - 1) * query.limit)
    .execute();
  const counts = await severitiesByImage(
    db,
    rows.map((row) => row.id),
  );
  return {
    items: rows.map((row) => summaryOf(row, counts.get(row.id) ?? emptySeverityCounts())),
    page: query.page,
    limit: query.limit,
    total: total,
  };
}

export async function imageExists(db: StrataDb, id: string): Promise<boolean> {
  return (await db.selectFrom("images").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
}

export async function imageDetails(db: StrataDb, id: string): Promise<ImageDetails | undefined> {
  const row = await db
    .selectFrom("images")
    .select([...summaryColumns, "kind", "manifest_digest", "config_digest", "scanner_version"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  const layers = await db.selectFrom("layers").selectAll().where("image_id", "=", id).orderBy("layer_index").execute();
  const byLayer = await db
    .selectFrom("findings")
    .select(["layer_index", "severity", (eb) => eb.fn.countAll<number>().as("n")])
    .where("image_id", "=", id)
    .groupBy(["layer_index", "severity"])
    .execute();
  const ecosystems = await db
    .selectFrom("packages")
    .select(["ecosystem", (eb) => eb.fn.countAll<number>().as("n")])
    .where("image_id", "=", id)
    .groupBy("ecosystem")
    .orderBy("ecosystem")
    .execute();
  const total = emptySeverityCounts();
  const layerCounts = new Map<number, SeverityCounts>();
  for (const { layer_index, severity, n } of byLayer) {
    if (!isSeverityRating(severity)) continue;
    const counts = layerCounts.get(layer_index) ?? emptySeverityCounts();
    counts[severity] += n;
    total[severity] += n;
    layerCounts.set(layer_index, counts);
  }
  return {
    ...summaryOf(row, total),
    kind: row.kind,
    manifestDigest: row.manifest_digest,
    configDigest: row.config_digest,
    scanner: { name: "strata", version: row.scanner_version },
    ecosystems: Object.fromEntries(ecosystems.map(({ ecosystem, n }) => [ecosystem, n])),
    layers: layers.map((layer) => {
      const severities = layerCounts.get(layer.layer_index) ?? emptySeverityCounts();
      return {
        index: layer.layer_index,
        digest: layer.digest,
        diffId: layer.diff_id,
        size: layer.size,
        mediaType: layer.media_type,
        createdBy: layer.created_by,
        created: layer.created,
        packages: layer.package_count,
        findings: Object.values(severities).reduce((sum, n) => sum + n, 0),
        severities,
      };
    }),
  };
}

async function severitiesByImage(db: StrataDb, ids: readonly string[]): Promise<Map<string, SeverityCounts>> {
  const counts = new Map<string, SeverityCounts>();
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom("findings")
    .select(["image_id", "severity", (eb) => eb.fn.countAll<number>().as("n")])
    .where("image_id", "in", ids)
    .groupBy(["image_id", "severity"])
    .execute();
  for (const { image_id, severity, n } of rows) {
    if (!isSeverityRating(severity)) continue;
    const image = counts.get(image_id) ?? emptySeverityCounts();
    image[severity] += n;
    counts.set(image_id, image);
  }
  return counts;
}

function summaryOf(row: SummaryRow, severities: SeverityCounts): ImageSummary {
  return {
    id: row.id,
    reference: row.reference,
    tags: stringList(row.tags),
    platform: row.platform,
    distro: row.distro_id === null ? null : { id: row.distro_id, version: row.distro_version, name: row.distro_name },
    created: row.created,
    scannedAt: row.scanned_at,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    evaluatedAt: row.evaluated_at,
    advisoryVersion: row.advisory_version,
    packages: row.package_count,
    findings: row.finding_count,
    severities,
  };
}
