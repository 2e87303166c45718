import type { Ecosystem } from "./ecosystem.ts";
import type { LayerRef } from "./layer.ts";

export const severityRatings = ["critical", "high", "medium", "low", "none", "unknown"] as const;
export type SeverityRating = (typeof severityRatings)[number];

export interface Severity {
  rating: SeverityRating;
  /** CVSS base score, when a vector was given. */
  score?: number;
  /** The vector the score was computed from. */
  vector?: string;
  /** Where the rating came from: "CVSS_V3", "CVSS_V4", "CVSS_V2", or the advisory's own label. */
  source: string;
}

/** One vulnerability in one package. Advisories that are aliases of each other make one finding. */
export interface Finding {
  /** The identifier shown first: a CVE when the advisory group names exactly one, else the advisory id. */
  id: string;
  /** Every identifier of the group: advisory ids, aliases, upstream CVEs. */
  aliases: string[];
  /** The OSV records this finding was made from. */
  advisories: string[];
  summary?: string;
  packageId: string;
  packageName: string;
  ecosystem: Ecosystem;
  purl: string;
  installedVersion: string;
  /** Versions that fix it, lowest first; empty when no fix is known. */
  fixedVersions: string[];
  severity: Severity;
  layer: LayerRef;
  /** OS package findings come from the distro's own advisories; language packages are "sca". */
  detection: "os" | "sca";
  references: string[];
}
