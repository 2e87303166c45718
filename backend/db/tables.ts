import type { Kysely } from "kysely";

/**
 * The backend's tables as Kysely sees them. JSON lists are stored as text in both dialects; 64-bit integers
 * come back as numbers (see connect.ts). Column names are snake_case, as SQL writes them.
 */
export interface Tables {
  images: ImagesTable;
  layers: LayersTable;
  packages: PackagesTable;
  findings: FindingsTable;
  tokens: TokensTable;
}

export interface ImagesTable {
  /** The config digest (the image ID), else the manifest digest. */
  id: string;
  reference: string;
  kind: string;
  manifest_digest: string | null;
  config_digest: string | null;
  /** JSON string[] */
  tags: string;
  /** Lower-cased reference and tags, one per line: what the image search looks in. */
  search: string;
  /** "os/arch[/variant]" */
  platform: string | null;
  distro_id: string | null;
  distro_version: string | null;
  distro_name: string | null;
  created: string | null;
  scanned_at: string;
  scanner_version: string;
  first_seen: string;
  last_seen: string;
  /** Bumped by every upload; re-evaluation skips an image whose revision changed under it. */
  revision: number;
  evaluated_at: string | null;
  /** The advisory database's data version the findings were computed against (null: before it was kept). */
  advisory_version: number | null;
  /** JSON string[]: the OSV ecosystems the packages need, which the server keeps up to date. */
  advisory_ecosystems: string | null;
  package_count: number;
  finding_count: number;
  /** The validated inventory as gzip'd JSON: what re-evaluation matches again. */
  inventory: Uint8Array;
}

export interface LayersTable {
  image_id: string;
  layer_index: number;
  digest: string;
  diff_id: string;
  size: number;
  media_type: string;
  created_by: string | null;
  created: string | null;
  /** Packages this layer introduced. */
  package_count: number;
}

export interface PackagesTable {
  image_id: string;
  package_id: string;
  name: string;
  version: string;
  ecosystem: string;
  purl: string;
  /** JSON string[] */
  licenses: string;
  found_by: string;
  layer_index: number;
  /** The first file the package was read from. */
  path: string | null;
  /** JSON {id, name, purl} of the OS package that owns this language package. */
  owned_by: string | null;
}

export interface FindingsTable {
  image_id: string;
  package_id: string;
  vulnerability_id: string;
  /** JSON string[] */
  aliases: string;
  /** JSON string[] */
  advisories: string;
  summary: string | null;
  package_name: string;
  package_version: string;
  ecosystem: string;
  purl: string;
  severity: string;
  /** 0 = critical ... 5 = unknown, so that ascending order is worst first. */
  severity_rank: number;
  score: number | null;
  severity_vector: string | null;
  severity_source: string;
  /** JSON string[], lowest first */
  fixed_versions: string;
  /** 1 when a fixed version is known. */
  fixable: number;
  detection: string;
  layer_index: number;
  /** JSON string[] */
  refs: string;
}

export interface TokensTable {
  /** sha256 of the token, hex; the token itself is never stored. */
  hash: string;
  /** Public name of the token ("tok_…"), for listing and revoking. */
  id: string;
  role: string;
  name: string;
  created_at: string;
  /** Updated at most once a minute. */
  last_used_at: string | null;
}

export type StrataDb = Kysely<Tables>;
