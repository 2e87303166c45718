import { InputError } from "../errors.ts";
import { type Severity, type SeverityRating, severityRatings } from "../model/finding.ts";
import { versionSchemes } from "../version/by-ecosystem.ts";
import type { VersionScheme } from "../version/scheme.ts";
import type { OsvRange, OsvSeverity } from "../vulndb/osv-record.ts";
import { type OrderedEntry, type OrderedRange, boundsOf, orderBounds } from "./osv-ranges.ts";
import { ecosystemOfOsv } from "./package-query.ts";
import { severityOf } from "./severity.ts";

/**
 * The matcher's form of the affected entries of one package in one OSV ecosystem, worked out when
 * advisories are imported: ranges without GIT ones, their bounds already in the order of the
 * scheme that will compare them, and the entry's severity already computed. Each row of the match
 * index holds one JSON list of encoded entries, and beside it the entries' explicit version lists.
 *
 *   entry:    [seq, advisoryId, severity, ranges]
 *   severity: [rating, source] or [rating, source, score, vector]
 *   range:    ["E" | "S", kinds, versions]                  bounds not sorted
 *             ["E" | "S", kinds, versions, scheme]          in the record's order under that scheme
 *             ["E" | "S", kinds, versions, scheme, order]   order: indices of the readable bounds, sorted
 *
 * `kinds` and `versions` are the Bounds of osv-ranges.ts. `seq` keeps the order entries were
 * imported in, which decides ties between hits.
 *
 * An entry's explicit version list is either the list as given, or, when the ecosystem's scheme
 * has an equality key, a text searched without parsing it: the scheme's name, then one line per
 * key, "key" when the key's one version is the key itself, else "key\tversion\tversion...", then
 * "\tversion" for each version the scheme cannot read; every line ends with "\n".
 */
export type EncodedEntry = [number, string, EncodedSeverity, OrderedRange[]];
type EncodedSeverity = [string, string] | [string, string, number, string];

/** One affected entry with what matching needs from its advisory, as the importer stored them. */
export interface AffectedSource {
  seq: number;
  advisoryId: string;
  ranges: readonly OsvRange[];
  versions: readonly string[];
  severity: readonly OsvSeverity[];
  severityLabel?: string;
  advisorySeverity: readonly OsvSeverity[];
  advisorySeverityLabel?: string;
}

/** An affected entry as the matcher reads it from the index; the explicit version list is read only when asked. */
export interface StoredAffected extends OrderedEntry {
  seq: number;
  advisoryId: string;
  severity: Severity;
}

type EncodedVersions = string[] | string;

/** The schemes that will compare this OSV ecosystem's ranges, when any package is looked up there. */
export function schemesOfOsv(baseEcosystem: string): { ecosystem: VersionScheme; semver: VersionScheme } | undefined {
  const ecosystem = ecosystemOfOsv(baseEcosystem);
  return ecosystem === undefined ? undefined : versionSchemes[ecosystem];
}

function encodeSeverity(severity: Severity): EncodedSeverity {
  return severity.score === undefined || severity.vector === undefined
    ? [severity.rating, severity.source]
    : [severity.rating, severity.source, severity.score, severity.vector];
}

function encodeRange(range: OsvRange, scheme: VersionScheme | undefined): OrderedRange {
  const bounds = boundsOf(range.events);
  const type = range.type === "SEMVER" ? "S" : "E";
  const versions = bounds.versions;
  if (!scheme) return [type, bounds.kinds, versions];
  const order = orderBounds(bounds, scheme);
  const asGiven = order.length === versions.length && order.every((index, at) => index === at);
  return asGiven ? [type, bounds.kinds, versions, scheme.name] : [type, bounds.kinds, versions, scheme.name, order];
}

/** Encodes one entry; the scheme order is worked out for the schemes of `baseEcosystem`. */
export function encodeEntry(baseEcosystem: string, source: AffectedSource): EncodedEntry {
  const schemes = schemesOfOsv(baseEcosystem);
  const vectors = source.severity.length > 0 ? source.severity : source.advisorySeverity;
  const severity = severityOf(vectors, source.severityLabel ?? source.advisorySeverityLabel);
  const ranges = source.ranges.flatMap((range) =>
    range.type === "GIT" ? [] : [encodeRange(range, range.type === "SEMVER" ? schemes?.semver : schemes?.ecosystem)],
  );
  return [source.seq, source.advisoryId, encodeSeverity(severity), ranges];
}

const separators = /[\t\n]/;

function encodeList(versions: readonly string[], scheme: VersionScheme | undefined): EncodedVersions {
  if (!scheme?.equalityKey || versions.length === 0 || versions.some((version) => separators.test(version))) {
    return [...versions];
  }
  const groups = new Map<string, string[]>();
  const unkeyed: string[] = [];
  for (const version of versions) {
    const key = scheme.equalityKey(version);
    // Keys must be lines of their own: a list whose keys are not is kept as it is.
    if (key === "" || (key !== undefined && separators.test(key))) return [...versions];
    const group = key === undefined ? unkeyed : groups.get(key);
    if (group) group.push(version);
    else if (key !== undefined) groups.set(key, [version]);
  }
  const lines = [...groups].map(([key, members]) =>
    members.length === 1 && members[0] === key ? key : [key, ...members].join("\t"),
  );
  return [scheme.name, ...lines, ...unkeyed.map((version) => `\t${version}`), ""].join("\n");
}

/** The versions column of a row: null when no entry lists any, else one encoded list per entry. */
export function encodeVersions(baseEcosystem: string, sources: readonly AffectedSource[]): string | null {
  if (!sources.some((source) => source.versions.length > 0)) return null;
  const scheme = schemesOfOsv(baseEcosystem)?.ecosystem;
  return JSON.stringify(sources.map((source) => encodeList(source.versions, scheme)));
}

function damaged(what: string): InputError {
  return new InputError(`the advisory database is damaged (${what}); import the advisories again`);
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

const isIndices = (value: unknown, below: number): value is number[] =>
  Array.isArray(value) && value.every((item) => Number.isInteger(item) && item >= 0 && item < below);

const isRating = (value: unknown): value is SeverityRating => severityRatings.some((rating) => rating === value);

function decodeSeverity(value: unknown): Severity {
  if (!Array.isArray(value)) throw damaged("a severity is not a list");
  const items: readonly unknown[] = value;
  const rating = items[0];
  const source = items[1];
  const score = items[2];
  const vector = items[3];
  if (!isRating(rating) || typeof source !== "string") throw damaged("a severity has no rating or source");
  if (value.length === 2) return { rating, source };
  if (typeof score !== "number" || typeof vector !== "string") throw damaged("a severity has no score or vector");
  return { rating, score, vector, source };
}

/** Checks a range in place: matching reads the parsed lists as they are. */
function isOrderedRange(value: unknown): value is OrderedRange {
  if (!Array.isArray(value) || value.length < 3 || value.length > 5) return false;
  const items: readonly unknown[] = value;
  const type = items[0];
  const kinds = items[1];
  const versions = items[2];
  const scheme = items[3];
  const order = items[4];
  return (
    (type === "E" || type === "S") &&
    typeof kinds === "string" &&
    /^[iflm]*$/.test(kinds) &&
    isStrings(versions) &&
    versions.length === kinds.length &&
    (scheme === undefined || typeof scheme === "string") &&
    (order === undefined || isIndices(order, versions.length))
  );
}

type Lister = OrderedEntry["lists"];

const listsNothing: Lister = () => false;

/** The versions of a keyed list with this key, found by searching its text. */
function membersWithKey(text: string, key: string): string[] {
  if (text.includes(`\n${key}\n`)) return [key];
  const start = text.indexOf(`\n${key}\t`);
  if (start < 0) return [];
  return text.slice(start + key.length + 2, text.indexOf("\n", start + 1)).split("\t");
}

/** Every version of a keyed list, for a scheme other than the one it was keyed by. */
function allMembers(text: string): string[] {
  return text
    .split("\n")
    .slice(1, -1)
    .flatMap((line) => {
      const [key = "", ...members] = line.split("\t");
      return members.length === 0 ? [key] : members;
    });
}

function listerOf(value: unknown): Lister {
  if (isStrings(value)) return (version, scheme) => value.some((listed) => scheme.compare(listed, version) === 0);
  if (typeof value !== "string" || !value.endsWith("\n")) throw damaged("a version list is neither a list nor keyed");
  const keyedBy = value.slice(0, value.indexOf("\n"));
  return (version, scheme) => {
    if (scheme.name !== keyedBy || !scheme.equalityKey) {
      return allMembers(value).some((listed) => scheme.compare(listed, version) === 0);
    }
    // Versions the scheme cannot read (no key) equal nothing; so do those of other keys.
    const key = scheme.equalityKey(version);
    if (key === undefined || key === "" || separators.test(key)) return false;
    return membersWithKey(value, key).some((listed) => scheme.compare(listed, version) === 0);
  };
}

/**
 * The explicit version lists of one index row: `lists(at, count)` is the lister of entry `at` of
 * `count`. The row's lists are parsed when first asked for and kept for every later decoding.
 */
export type VersionLists = (at: number, count: number) => Lister;

export function versionLists(versions: string | null): VersionLists {
  if (versions === null) return () => listsNothing;
  let parsed: unknown[] | undefined;
  const listers: Lister[] = [];
  const resolved: Lister[] = [];
  const resolve = (at: number, count: number): Lister => {
    if (!parsed) {
      const value: unknown = JSON.parse(versions);
      if (!Array.isArray(value)) throw damaged("an index row's version lists are not a list");
      parsed = value;
    }
    if (parsed.length !== count) throw damaged("an index row's version lists do not pair up with its entries");
    return (resolved[at] ??= listerOf(parsed[at]));
  };
  return (at, count) => (listers[at] ??= (version, scheme) => resolve(at, count)(version, scheme));
}

/** Reads one index row's entries; their version lists come from `lists`, made once per row. */
export function decodeEntries(entries: string, lists: VersionLists): StoredAffected[] {
  const parsed: unknown = JSON.parse(entries);
  if (!Array.isArray(parsed)) throw damaged("an index row is not a list");
  const count = parsed.length;
  return parsed.map((value: unknown, at): StoredAffected => {
    if (!Array.isArray(value)) throw damaged("an index entry is not a list");
    const items: readonly unknown[] = value;
    const seq = items[0];
    const advisoryId = items[1];
    const severity = items[2];
    const ranges = items[3];
    if (typeof seq !== "number" || typeof advisoryId !== "string" || !Array.isArray(ranges)) {
      throw damaged("an index entry has no sequence, advisory or ranges");
    }
    if (!ranges.every(isOrderedRange)) throw damaged("a range is not [type, kinds, versions, scheme?, order?]");
    return { seq, advisoryId, severity: decodeSeverity(severity), ranges, lists: lists(at, count) };
  });
}
