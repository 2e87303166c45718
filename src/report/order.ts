import { type Finding, severityRatings } from "../model/finding.ts";
import type { Package } from "../model/package.ts";

/** Code-unit order, the same on every machine (localeCompare depends on the locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Packages by introducing layer, ecosystem, name, version, path, then id: independent of input order. */
export function packagesInOrder(packages: readonly Package[]): Package[] {
  return [...packages].sort(
    (a, b) =>
      a.layer.index - b.layer.index ||
      compareText(a.ecosystem, b.ecosystem) ||
      compareText(a.name, b.name) ||
      compareText(a.version, b.version) ||
      compareText(a.locations[0]?.path ?? "", b.locations[0]?.path ?? "") ||
      compareText(a.id, b.id),
  );
}

/** Findings worst first, then by id, package name and package id. */
export function findingsInOrder(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRatings.indexOf(a.severity.rating) - severityRatings.indexOf(b.severity.rating) ||
      compareText(a.id, b.id) ||
      compareText(a.packageName, b.packageName) ||
      compareText(a.packageId, b.packageId),
  );
}
