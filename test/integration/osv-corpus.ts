/**
 * Reads the offline OSV corpus (../shared/osv, laid out like osv.dev's bucket) and picks real advisories
 * whose outcome a test can state without the matcher: packages every advisory of which has one range
 * `[introduced, fixed)`, the same for all of them, so one version below the fix is hit by all and the
 * fix by none. Expected findings are then computed from the records alone.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { strFromU8, unzipSync } from "fflate";

export const corpusRoot = fileURLToPath(new URL("../../../shared/osv", import.meta.url));

export interface CorpusEvent {
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
  limit?: string;
}

export interface CorpusAffected {
  ecosystem: string;
  name: string;
  ranges: { type: string; events: CorpusEvent[] }[];
  versions: string[];
  vectors: { type: string; score: string }[];
  label?: string;
}

export interface CorpusRecord {
  id: string;
  withdrawn?: string;
  aliases: string[];
  upstream: string[];
  vectors: { type: string; score: string }[];
  label?: string;
  affected: CorpusAffected[];
}

export interface ExpectedSeverity {
  rating: string;
  score?: number;
  vector?: string;
  source: string;
}

/** A package name with the advisories that name it, a version they all affect, and the fix. */
export interface Pick {
  /** As the advisories spell it. */
  name: string;
  records: CorpusRecord[];
  vulnerable: string;
  fixed: string;
  severity: ExpectedSeverity;
}

/** A finding as the test compares it: the report's fields that follow from the advisories. */
export interface FindingView {
  id: string;
  aliases: string[];
  advisories: string[];
  packageName: string;
  ecosystem: string;
  installedVersion: string;
  fixedVersions: string[];
  severity: ExpectedSeverity;
  layer: number;
  detection: string;
}

type JsonObject = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Whether `<ecosystem>/all.zip` is there to read. */
export async function hasCorpus(ecosystems: readonly string[]): Promise<boolean> {
  for (const ecosystem of ecosystems) {
    if (!(await stat(join(corpusRoot, ecosystem, "all.zip")).catch(() => undefined))) return false;
  }
  return true;
}

/** Every record of `<ecosystem>/all.zip`, in entry-name order. */
export async function readCorpus(ecosystem: string): Promise<CorpusRecord[]> {
  const entries = unzipSync(await readFile(join(corpusRoot, ecosystem, "all.zip")));
  const records: CorpusRecord[] = [];
  for (const name of Object.keys(entries).sort()) {
    const bytes = entries[name];
    if (!bytes || !name.endsWith(".json")) continue;
    const record = recordOf(JSON.parse(strFromU8(bytes)));
    if (record) records.push(record);
  }
  return records;
}

function vectorsOf(value: unknown): { type: string; score: string }[] {
  return list(value).flatMap((item) => {
    if (!isObject(item)) return [];
    const type = text(item["type"]);
    const score = text(item["score"]);
    return type && score ? [{ type, score }] : [];
  });
}

function labelOf(...places: unknown[]): string | undefined {
  for (const place of places) {
    const label = isObject(place) ? text(place["severity"]) : undefined;
    if (label) return label;
  }
  return undefined;
}

function recordOf(value: unknown): CorpusRecord | undefined {
  if (!isObject(value)) return undefined;
  const id = text(value["id"]);
  if (!id) return undefined;
  const affected = list(value["affected"]).flatMap((item): CorpusAffected[] => {
    if (!isObject(item) || !isObject(item["package"])) return [];
    const ecosystem = text(item["package"]["ecosystem"]);
    const name = text(item["package"]["name"]);
    if (!ecosystem || !name) return [];
    const ranges = list(item["ranges"]).flatMap((range) => {
      if (!isObject(range)) return [];
      const events = list(range["events"]).flatMap((event): CorpusEvent[] => {
        if (!isObject(event)) return [];
        const out: CorpusEvent = {};
        const [introduced, fixed, lastAffected, limit] = ["introduced", "fixed", "last_affected", "limit"].map((key) =>
          text(event[key]),
        );
        if (introduced !== undefined) out.introduced = introduced;
        if (fixed !== undefined) out.fixed = fixed;
        if (lastAffected !== undefined) out.lastAffected = lastAffected;
        if (limit !== undefined) out.limit = limit;
        return [out];
      });
      return [{ type: text(range["type"]) ?? "", events }];
    });
    const label = labelOf(item["database_specific"], item["ecosystem_specific"]);
    return [
      {
        ecosystem,
        name,
        ranges,
        versions: texts(item["versions"]),
        vectors: vectorsOf(item["severity"]),
        ...(label === undefined ? {} : { label }),
      },
    ];
  });
  const withdrawn = text(value["withdrawn"]);
  const label = labelOf(value["database_specific"]);
  return {
    id,
    ...(withdrawn === undefined ? {} : { withdrawn }),
    aliases: texts(value["aliases"]),
    upstream: texts(value["upstream"]),
    vectors: vectorsOf(value["severity"]),
    ...(label === undefined ? {} : { label }),
    affected,
  };
}

/** How names are compared in an ecosystem (PEP 503 for PyPI; Composer names are case-insensitive). */
export function nameKey(ecosystem: string, name: string): string {
  if (ecosystem === "PyPI") return name.toLowerCase().replace(/[-_.]+/g, "-");
  if (ecosystem === "Packagist") return name.toLowerCase();
  return name;
}

/** Names (by nameKey) that any record lists under exactly this `affected[].package.ecosystem`. */
export function affectedNames(records: readonly CorpusRecord[], ecosystem: string): Set<string> {
  const base = ecosystem.split(":")[0] ?? ecosystem;
  return new Set(
    records.flatMap((record) =>
      record.affected.filter((entry) => entry.ecosystem === ecosystem).map((entry) => nameKey(base, entry.name)),
    ),
  );
}

/** The version to install below the fix, or undefined when this pair cannot be used. */
export type VersionRule = (introduced: string, fixed: string) => string | undefined;

const plainTriple = /^\d+\.\d+\.\d+$/;

function numeric(version: string): number[] {
  return version.split(".").map(Number);
}

function numericCompare(a: string, b: string): number {
  const [x, y] = [numeric(a), numeric(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Language ecosystems: plain x.y.z bounds, which every ecosystem's ordering reads the same way.
 * The introduced version itself when there is one, else the fix with its last non-zero part lowered.
 */
export const belowPlainFix: VersionRule = (introduced, fixed) => {
  if (!plainTriple.test(fixed)) return undefined;
  if (plainTriple.test(introduced) && numeric(introduced).some((part) => part > 0)) {
    return numericCompare(introduced, fixed) < 0 ? introduced : undefined;
  }
  if (introduced !== "0" && introduced !== "0.0.0-0") return undefined;
  const parts = numeric(fixed);
  const last = parts.findLastIndex((part) => part > 0);
  if (last < 0) return undefined;
  parts[last] = (parts[last] ?? 0) - 1;
  return parts.some((part) => part > 0) ? parts.join(".") : undefined;
};

/** Debian security updates: "<version>+deb11uN" fixes "<version>", the release's own version (dpkg orders it lower). */
export const belowDebianUpdate: VersionRule = (introduced, fixed) => {
  const update = /^(.+)\+deb\d+u\d+$/.exec(fixed);
  return introduced === "0" && update?.[1] ? update[1] : undefined;
};

/** Alpine: "<version>-rN" with N ≥ 1 fixes the previous package release "<version>-r(N-1)". */
export const belowAlpineRelease: VersionRule = (introduced, fixed) => {
  const release = /^(.+)-r(\d+)$/.exec(fixed);
  const number = Number(release?.[2]);
  return introduced === "0" && release?.[1] && number >= 1 ? `${release[1]}-r${number - 1}` : undefined;
};

/** The same fix listed in `versions` would make the fixed version affected too. */
function listed(versions: readonly string[], version: string): boolean {
  return versions.some(
    (item) => item === version || (plainTriple.test(version) && numericCompare(item, version) === 0),
  );
}

/**
 * Packages of one `affected[].package.ecosystem` ("Debian:11", "npm") that every non-withdrawn advisory
 * naming them affects through a single `[introduced, fixed)` range, the same in all of them, with a
 * severity the test can state: no CVSS vector and no label, or one CVSS v3 vector. Sorted by name.
 */
export function candidates(records: readonly CorpusRecord[], ecosystem: string, below: VersionRule): Pick[] {
  const base = ecosystem.split(":")[0] ?? ecosystem;
  const byName = new Map<string, { record: CorpusRecord; entry: CorpusAffected }[]>();
  for (const record of records) {
    for (const entry of record.affected) {
      if (entry.ecosystem !== ecosystem) continue;
      const key = nameKey(base, entry.name);
      byName.set(key, [...(byName.get(key) ?? []), { record, entry }]);
    }
  }
  const picks: Pick[] = [];
  for (const hits of byName.values()) {
    const pick = pickOf(hits);
    if (pick) picks.push(pick);
  }
  return picks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  function pickOf(hits: { record: CorpusRecord; entry: CorpusAffected }[]): Pick | undefined {
    const ids = hits.map((hit) => hit.record.id);
    if (new Set(ids).size !== ids.length) return undefined;
    let bounds: { introduced: string; fixed: string } | undefined;
    let severity: ExpectedSeverity | undefined;
    for (const { record, entry } of hits) {
      if (record.withdrawn !== undefined) return undefined;
      const ranges = entry.ranges.filter((range) => range.type !== "GIT");
      const [range] = ranges;
      if (ranges.length !== 1 || range?.events.length !== 2) return undefined;
      const [start, end] = range.events;
      if (start?.introduced === undefined || end?.fixed === undefined) return undefined;
      if (bounds && (bounds.introduced !== start.introduced || bounds.fixed !== end.fixed)) return undefined;
      bounds = { introduced: start.introduced, fixed: end.fixed };
      if (listed(entry.versions, end.fixed)) return undefined;
      const own = severityOfRecord(record, entry);
      if (!own || (severity && JSON.stringify(own) !== JSON.stringify(severity))) return undefined;
      severity = own;
    }
    const first = hits[0];
    if (!bounds || !severity || !first) return undefined;
    const vulnerable = below(bounds.introduced, bounds.fixed);
    if (vulnerable === undefined) return undefined;
    return {
      name: first.entry.name,
      records: hits.map((hit) => hit.record),
      vulnerable,
      fixed: bounds.fixed,
      severity,
    };
  }
}

function severityOfRecord(record: CorpusRecord, entry: CorpusAffected): ExpectedSeverity | undefined {
  const vectors = entry.vectors.length > 0 ? entry.vectors : record.vectors;
  if (vectors.length === 0) {
    return entry.label === undefined && record.label === undefined ? { rating: "unknown", source: "none" } : undefined;
  }
  const [vector] = vectors;
  if (vectors.length !== 1 || vector?.type !== "CVSS_V3") return undefined;
  const score = cvss3BaseScore(vector.score);
  return score === undefined
    ? undefined
    : { rating: cvssRating(score), score, vector: vector.score, source: "CVSS_V3" };
}

/** CVSS v3.x qualitative rating of a base score (FIRST's specification, table 14). */
export function cvssRating(score: number): string {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "none";
}

const weights: Record<string, Record<string, number>> = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
};

/** The CVSS v3.0/v3.1 base score of a vector, from the specification's formulas (section 7.1). */
export function cvss3BaseScore(vector: string): number | undefined {
  const [prefix, ...parts] = vector.split("/");
  if (prefix !== "CVSS:3.0" && prefix !== "CVSS:3.1") return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const [key, value] = part.split(":");
    if (key !== undefined && value !== undefined) metrics.set(key, value);
  }
  const weight = (metric: string): number | undefined => weights[metric]?.[metrics.get(metric) ?? ""];
  const scope = metrics.get("S");
  const privileges = { N: 0.85, L: scope === "C" ? 0.68 : 0.62, H: scope === "C" ? 0.5 : 0.27 }[
    metrics.get("PR") ?? ""
  ];
  const [av, ac, ui, c, i, a] = ["AV", "AC", "UI", "C", "I", "A"].map(weight);
  if (
    av === undefined ||
    ac === undefined ||
    ui === undefined ||
    c === undefined ||
    i === undefined ||
    a === undefined ||
    privileges === undefined ||
    (scope !== "U" && scope !== "C")
  ) {
    return undefined;
  }
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === "U" ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av * ac * privileges * ui;
  if (impact <= 0) return 0;
  const total = scope === "U" ? impact + exploitability : 1.08 * (impact + exploitability);
  return roundUp(Math.min(total, 10));
}

/** Round up to one decimal, without floating-point noise (v3.1 appendix A). */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

/**
 * The findings one installed package at `pick.vulnerable` must produce: advisories sharing an id,
 * alias or upstream id (transitively) make one finding, shown by its CVE when the group names exactly
 * one, else by its first advisory id.
 */
export function expectedFindings(
  pick: Pick,
  pkg: { name: string; ecosystem: string; installedVersion: string; layer: number; detection: string },
): FindingView[] {
  const groups: { ids: Set<string>; records: CorpusRecord[] }[] = [];
  for (const record of pick.records) {
    const ids = new Set([record.id, ...record.aliases, ...record.upstream]);
    const merged = { ids, records: [record] };
    for (const group of groups.filter((candidate) => [...ids].some((id) => candidate.ids.has(id)))) {
      for (const id of group.ids) merged.ids.add(id);
      merged.records.push(...group.records);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(merged);
  }
  return groups.map(({ ids, records }) => {
    const cves = [...ids].filter((id) => id.startsWith("CVE-"));
    const advisories = records.map((record) => record.id).sort();
    const id = cves.length === 1 && cves[0] !== undefined ? cves[0] : (advisories[0] ?? "");
    return {
      id,
      aliases: [...ids].filter((other) => other !== id).sort(),
      advisories,
      packageName: pkg.name,
      ecosystem: pkg.ecosystem,
      installedVersion: pkg.installedVersion,
      fixedVersions: [pick.fixed],
      severity: pick.severity,
      layer: pkg.layer,
      detection: pkg.detection,
    };
  });
}
