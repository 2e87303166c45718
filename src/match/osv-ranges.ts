import type { VersionScheme } from "../version/scheme.ts";
import type { OsvEvent, OsvRange } from "../vulndb/osv-record.ts";

export interface RangeVerdict {
  affected: boolean;
  /** Fix versions above the installed one, from the ranges that affect it. */
  fixed: string[];
}

type Bound = { kind: "introduced" | "fixed" | "lastAffected" | "limit"; version: string };

function boundOf(event: OsvEvent): Bound | undefined {
  if (event.introduced !== undefined) return { kind: "introduced", version: event.introduced };
  if (event.fixed !== undefined) return { kind: "fixed", version: event.fixed };
  if (event.lastAffected !== undefined) return { kind: "lastAffected", version: event.lastAffected };
  if (event.limit !== undefined) return { kind: "limit", version: event.limit };
  return undefined;
}

const isZero = (bound: Bound): boolean => bound.kind === "introduced" && /^0(\.0\.0(-0)?)?$/.test(bound.version);

/**
 * OSV's evaluation: events sorted by the ecosystem's ordering, walked upwards; the nearest
 * event at or below the version decides. Bounds the scheme cannot read are skipped, never guessed.
 */
export function evaluateRange(version: string, range: OsvRange, scheme: VersionScheme): RangeVerdict {
  const bounds = range.events.flatMap((event) => {
    const bound = boundOf(event);
    return bound && (isZero(bound) || scheme.compare(bound.version, bound.version) !== undefined) ? [bound] : [];
  });
  bounds.sort((a, b) => (isZero(a) ? -1 : isZero(b) ? 1 : (scheme.compare(a.version, b.version) ?? 0)));
  let affected = false;
  let fixed: string | undefined;
  for (const bound of bounds) {
    const order = isZero(bound) ? 1 : scheme.compare(version, bound.version);
    if (order === undefined) continue;
    switch (bound.kind) {
      case "introduced":
        if (order >= 0) affected = true;
        break;
      case "fixed":
        if (order >= 0) affected = false;
        else if (affected && fixed === undefined) fixed = bound.version;
        break;
      case "lastAffected":
        if (order > 0) affected = false;
        break;
      case "limit":
        if (order >= 0) affected = false;
        break;
    }
  }
  return { affected, fixed: affected && fixed !== undefined ? [fixed] : [] };
}

/** A version is affected when it is listed in `versions` or falls in any ECOSYSTEM/SEMVER range. */
export function evaluateAffected(
  version: string,
  entry: { ranges: readonly OsvRange[]; versions: readonly string[] },
  schemes: { ecosystem: VersionScheme; semver: VersionScheme },
): RangeVerdict {
  const fixed = new Set<string>();
  let affected = false;
  for (const range of entry.ranges) {
    if (range.type === "GIT") continue;
    const verdict = evaluateRange(version, range, range.type === "SEMVER" ? schemes.semver : schemes.ecosystem);
    if (!verdict.affected) continue;
    affected = true;
    for (const version of verdict.fixed) fixed.add(version);
  }
  // The explicit list is read only when no range decides: it can be long (enumerated GIT ranges).
  if (!affected) affected = entry.versions.some((listed) => schemes.ecosystem.compare(listed, version) === 0);
  return { affected, fixed: [...fixed] };
}
