import type { VersionScheme } from "../version/scheme.ts";
import type { OsvEvent, OsvRange } from "../vulndb/osv-record.ts";

export interface RangeVerdict {
  affected: boolean;
  /** Fix versions above the installed one, from the ranges that affect it. */
  fixed: readonly string[];
}

/**
 * A range's bounds as two parallel lists, in the record's order: `kinds[i]` is "i" (introduced),
 * "f" (fixed), "l" (last_affected) or "m" (limit), and `versions[i]` its version.
 */
export interface Bounds {
  kinds: string;
  versions: readonly string[];
}

/** The bound each event sets; an event with none is dropped, one with several counts as its first. */
export function boundsOf(events: readonly OsvEvent[]): Bounds {
  let kinds = "";
  const versions: string[] = [];
  for (const event of events) {
    if (event.introduced !== undefined) {
      kinds += "i";
      versions.push(event.introduced);
    } else if (event.fixed !== undefined) {
      kinds += "f";
      versions.push(event.fixed);
    } else if (event.lastAffected !== undefined) {
      kinds += "l";
      versions.push(event.lastAffected);
    } else if (event.limit !== undefined) {
      kinds += "m";
      versions.push(event.limit);
    }
  }
  return { kinds, versions };
}

const zeroVersion = /^0(\.0\.0(-0)?)?$/;

const isZero = (kinds: string, versions: readonly string[], index: number): boolean =>
  kinds[index] === "i" && zeroVersion.test(versions[index] ?? "");

/**
 * The indices of the bounds the scheme can read, sorted by its ordering ("introduced: 0" first).
 * Bounds the scheme cannot read are skipped, never guessed.
 */
export function orderBounds({ kinds, versions }: Bounds, scheme: VersionScheme): number[] {
  const order: number[] = [];
  for (let index = 0; index < versions.length; index++) {
    const version = versions[index] ?? "";
    if (isZero(kinds, versions, index) || scheme.compare(version, version) !== undefined) order.push(index);
  }
  order.sort((a, b) =>
    isZero(kinds, versions, a)
      ? -1
      : isZero(kinds, versions, b)
        ? 1
        : (scheme.compare(versions[a] ?? "", versions[b] ?? "") ?? 0),
  );
  return order;
}

/**
 * OSV's evaluation: the bounds in `order` (from orderBounds; all of them as given when undefined)
 * walked upwards; the nearest at or below the version decides. Returns false when the version is
 * not affected, else the fix above it, or true when there is none.
 */
export function walkBounds(
  version: string,
  kinds: string,
  versions: readonly string[],
  order: readonly number[] | undefined,
  scheme: VersionScheme,
): string | boolean {
  let affected = false;
  let fixed: string | undefined;
  const count = order ? order.length : versions.length;
  for (let at = 0; at < count; at++) {
    const index = order ? (order[at] ?? 0) : at;
    const bound = versions[index] ?? "";
    const position = isZero(kinds, versions, index) ? 1 : scheme.compare(version, bound);
    if (position === undefined) continue;
    switch (kinds.charAt(index)) {
      case "i":
        if (position >= 0) affected = true;
        break;
      case "f":
        if (position >= 0) affected = false;
        else if (affected && fixed === undefined) fixed = bound;
        break;
      case "l":
        if (position > 0) affected = false;
        break;
      case "m":
        if (position >= 0) affected = false;
        break;
    }
  }
  return affected && (fixed ?? true);
}

const notAffected: RangeVerdict = Object.freeze({ affected: false, fixed: Object.freeze([]) });

/**
 * OSV's evaluation: events sorted by the ecosystem's ordering, walked upwards; the nearest
 * event at or below the version decides. Bounds the scheme cannot read are skipped, never guessed.
 */
export function evaluateRange(version: string, range: OsvRange, scheme: VersionScheme): RangeVerdict {
  const bounds = boundsOf(range.events);
  const verdict = walkBounds(version, bounds.kinds, bounds.versions, orderBounds(bounds, scheme), scheme);
  return verdict === false ? notAffected : { affected: true, fixed: verdict === true ? [] : [verdict] };
}

/**
 * A range as the match index stores it: [type, kinds, versions, scheme?, order?]. "S" is SEMVER,
 * "E" ECOSYSTEM; with a scheme, the bounds' order under it (orderBounds) was worked out ahead,
 * and no order means all bounds as given.
 */
export type OrderedRange =
  | readonly [type: "E" | "S", kinds: string, versions: readonly string[]]
  | readonly [type: "E" | "S", kinds: string, versions: readonly string[], scheme: string]
  | readonly [type: "E" | "S", kinds: string, versions: readonly string[], scheme: string, order: readonly number[]];

/** An affected entry as evaluateOrdered reads it. */
export interface OrderedEntry {
  ranges: readonly OrderedRange[];
  /** Whether the explicit version list holds a version equal to this one under the scheme. */
  lists(version: string, scheme: VersionScheme): boolean;
}

/** A version is affected when it falls in any range's bounds, or else is in the explicit list. */
export function evaluateOrdered(
  version: string,
  entry: OrderedEntry,
  schemes: { ecosystem: VersionScheme; semver: VersionScheme },
): RangeVerdict {
  let fixed: string[] | undefined;
  let affected = false;
  // Indexed loops and reads: this runs for every entry of every package, most often before it is optimised.
  const { ranges } = entry;
  for (let at = 0; at < ranges.length; at++) {
    const range = ranges[at];
    if (!range) continue;
    const kinds = range[1];
    const versions = range[2];
    const sortedBy = range[3];
    const sorted = range[4];
    const scheme = range[0] === "S" ? schemes.semver : schemes.ecosystem;
    // An order worked out for another scheme is no use: sort with this one.
    const order = sortedBy === scheme.name ? sorted : orderBounds({ kinds, versions }, scheme);
    const verdict = walkBounds(version, kinds, versions, order, scheme);
    if (verdict === false) continue;
    affected = true;
    if (verdict !== true && !fixed?.includes(verdict)) (fixed ??= []).push(verdict);
  }
  // The explicit list is read only when no range decides: it can be long (enumerated GIT ranges).
  if (!affected && !entry.lists(version, schemes.ecosystem)) return notAffected;
  return { affected: true, fixed: fixed ?? [] };
}

/** A version is affected when it is listed in `versions` or falls in any ECOSYSTEM/SEMVER range. */
export function evaluateAffected(
  version: string,
  entry: { ranges: readonly OsvRange[]; versions: readonly string[] },
  schemes: { ecosystem: VersionScheme; semver: VersionScheme },
): RangeVerdict {
  const ranges = entry.ranges.flatMap((range): OrderedRange[] => {
    if (range.type === "GIT") return [];
    const { kinds, versions } = boundsOf(range.events);
    return [[range.type === "SEMVER" ? "S" : "E", kinds, versions]];
  });
  const lists = (installed: string, scheme: VersionScheme): boolean =>
    entry.versions.some((listed) => scheme.compare(listed, installed) === 0);
  return evaluateOrdered(version, { ranges, lists }, schemes);
}
