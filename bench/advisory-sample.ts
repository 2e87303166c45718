import type { VulnDatabase } from "../src/vulndb/database.ts";

/** A package name that real advisories name, at a version below, at or above one of their fixes. */
export interface SampledPackage {
  name: string;
  version: string;
}

type JsonObject = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The first concrete bound of the stored ranges: a fix when there is one. */
function boundOf(ranges: unknown): { version: string; kind: "fixed" | "introduced" } | undefined {
  if (!Array.isArray(ranges)) return undefined;
  const list: readonly unknown[] = ranges;
  let introduced: string | undefined;
  for (const range of list) {
    if (!isObject(range) || range["type"] === "GIT" || !Array.isArray(range["events"])) continue;
    const events: readonly unknown[] = range["events"];
    for (const event of events) {
      if (!isObject(event)) continue;
      const fixed = event["fixed"] ?? event["lastAffected"];
      if (typeof fixed === "string") return { version: fixed, kind: "fixed" };
      if (typeof event["introduced"] === "string" && !/^0(\.0\.0(-0)?)?$/.test(event["introduced"])) {
        introduced ??= event["introduced"];
      }
    }
  }
  return introduced === undefined ? undefined : { version: introduced, kind: "introduced" };
}

/** Moves the last number in a version by `step`: "1.2.3-1+deb11u1" → "…u0"; "3.2-r4" → "3.2-r5". */
function nudge(version: string, step: 1 | -1): string {
  const match = /(\d+)(\D*)$/.exec(version);
  if (!match?.[1]) return version;
  const moved = Number(match[1]) + step;
  if (moved < 0) return version;
  return `${version.slice(0, match.index)}${moved}${match[2] ?? ""}`;
}

/**
 * `count` packages of one ecosystem, cycling through the names the database holds for it (in name
 * order) and spreading versions: a third just below a fix (affected), a third at it, a third above.
 */
export function sampleAdvisoryPackages(db: VulnDatabase, baseEcosystem: string, count: number): SampledPackage[] {
  const rows = db
    .prepare<[string], { name: string; ranges: string }>(
      "SELECT name, ranges FROM affected WHERE base_ecosystem = ? ORDER BY name, advisory_id",
    )
    .all(baseEcosystem);
  const byName = new Map<string, string>();
  for (const row of rows) {
    const bound = boundOf(JSON.parse(row.ranges));
    if (bound && !byName.has(row.name)) byName.set(row.name, bound.version);
  }
  const names = [...byName.entries()];
  const out: SampledPackage[] = [];
  for (let i = 0; names.length > 0 && out.length < count; i++) {
    const entry = names[i % names.length];
    if (!entry) break;
    const [name, bound] = entry;
    const spread = (i + Math.floor(i / names.length)) % 3;
    out.push({ name, version: spread === 0 ? nudge(bound, -1) : spread === 1 ? bound : nudge(bound, 1) });
  }
  return out;
}
