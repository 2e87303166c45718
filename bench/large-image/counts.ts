/** Package counts by ecosystem from Strata's and Trivy's JSON reports, for a sanity comparison. */
import { readFile } from "node:fs/promises";

export type Counts = Map<string, number>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function bump(counts: Counts, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, "utf8").catch(() => "null"));
}

export async function strataCounts(reportPath: string): Promise<Counts> {
  const report = await readJson(reportPath);
  const counts: Counts = new Map();
  const packages = isRecord(report) && Array.isArray(report["packages"]) ? report["packages"] : [];
  for (const item of packages) {
    if (isRecord(item) && typeof item["ecosystem"] === "string") bump(counts, item["ecosystem"]);
  }
  return counts;
}

/** Trivy groups packages by result; its Type (debian, jar, python-pkg, node-pkg, gobinary...) is the key. */
export async function trivyCounts(reportPath: string): Promise<Counts> {
  const report = await readJson(reportPath);
  const counts: Counts = new Map();
  const results = isRecord(report) && Array.isArray(report["Results"]) ? report["Results"] : [];
  for (const result of results) {
    if (!isRecord(result) || !Array.isArray(result["Packages"])) continue;
    const type = typeof result["Type"] === "string" ? result["Type"] : "unknown";
    bump(counts, type, result["Packages"].length);
  }
  return counts;
}

export const total = (counts: Counts): number => [...counts.values()].reduce((sum, n) => sum + n, 0);

export const describe = (counts: Counts): string =>
  [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(", ") || "none";
