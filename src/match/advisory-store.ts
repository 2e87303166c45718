import { InputError } from "../errors.ts";
import { type VulnDatabase, checkFormat } from "../vulndb/database.ts";
import { type IndexRow, indexRowsBuilder } from "../vulndb/match-index.ts";
import { type StoredAffected, decodeEntries, versionLists } from "./compact-affected.ts";

export type { StoredAffected } from "./compact-affected.ts";

/** One package to look up: its OSV ecosystem and name, and for OS packages the distro release. */
export interface AffectedQuery {
  baseEcosystem: string;
  name: string;
  /** Only entries whose ecosystem is `exact`, or starts with `prefix` when there is one. */
  release?: { exact: string; prefix?: string };
}

/** A finding shows at most this many references. */
export const referenceCount = 10;

/** What a finding shows of an advisory. */
export interface StoredAdvisory {
  id: string;
  summary?: string;
  /** The id, aliases and upstream ids, each once, in that order. */
  identifiers: readonly string[];
  /**
   * The first distinct references, as many as a finding shows: the first ones of several
   * advisories joined are among the first ones of each.
   */
  references: readonly string[];
}

/**
 * A package's affected entries of advisories that are not withdrawn, in the order they were
 * imported; decoded afresh on each call, so that a matcher holds on only to what matched.
 */
export type AffectedReader = () => StoredAffected[];

/** Read access to imported advisories, as the matcher needs it. */
export interface AdvisoryStore {
  /** A reader of each query's affected entries; the rows of all of them are read at once. */
  affectedBy(queries: readonly AffectedQuery[]): AffectedReader[];
  /** The advisories with these ids (ids not in the database are left out). */
  advisories(ids: Iterable<string>): Map<string, StoredAdvisory>;
}

interface AdvisoryRow {
  id: string;
  summary: string | null;
  aliases: string;
  upstream: string;
  refs: string;
}

interface FoundRow extends IndexRow {
  name: string;
}

/** Names or ids per statement: one statement reads many rows through json_each. */
const batchSize = 5000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += batchSize) out.push(items.slice(at, at + batchSize));
  return out;
}

function strings(text: string, what: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new InputError(`the advisory database is damaged (${what} is not a list of strings)`);
  }
  return value;
}

const readsNothing: AffectedReader = () => [];

/** The reader of one query's rows, entries merged in import order when several ecosystems match. */
function readerOf(rows: readonly IndexRow[]): AffectedReader {
  const decoders = rows.map((row) => {
    const lists = versionLists(row.versions);
    return () => decodeEntries(row.entries, lists);
  });
  const [only] = decoders;
  if (!only) return readsNothing;
  if (decoders.length === 1) return only;
  return () => decoders.flatMap((decode) => decode()).sort((a, b) => a.seq - b.seq);
}

/**
 * The SQLite-backed store: reads the match index, many names per statement, and remembers what it
 * read. Names an import has marked stale are read from the advisory tables instead.
 */
export function sqliteAdvisoryStore(db: VulnDatabase): AdvisoryStore {
  checkFormat(db);
  const byNames = db.prepare<[string, string], FoundRow>(
    `SELECT name, ecosystem, entries, versions FROM match_index
      WHERE base_ecosystem = ? AND name IN (SELECT value FROM json_each(?))`,
  );
  const byNamesInRelease = db.prepare<
    [{ base: string; names: string; exact: string; prefix: string | null }],
    FoundRow
  >(
    `SELECT name, ecosystem, entries, versions FROM match_index
      WHERE base_ecosystem = @base AND name IN (SELECT value FROM json_each(@names))
        AND (ecosystem = @exact OR (@prefix IS NOT NULL AND substr(ecosystem, 1, length(@prefix)) = @prefix))`,
  );
  const byIds = db.prepare<[string], AdvisoryRow>(
    "SELECT id, summary, aliases, upstream, refs FROM advisories WHERE id IN (SELECT value FROM json_each(?))",
  );
  // Names by OSV ecosystem whose rows an unfinished import left stale.
  const stale = new Map<string, Set<string>>();
  for (const row of db
    .prepare<[], { base_ecosystem: string; name: string }>("SELECT base_ecosystem, name FROM match_index_stale")
    .all()) {
    const names = stale.get(row.base_ecosystem) ?? new Set();
    stale.set(row.base_ecosystem, names.add(row.name));
  }
  const fromTables = stale.size > 0 ? indexRowsBuilder(db) : undefined;
  // Readers by query group (ecosystem and release), then by name.
  const found = new Map<string, Map<string, AffectedReader>>();
  const advisories = new Map<string, StoredAdvisory | undefined>();

  const groupOf = (query: AffectedQuery): string =>
    query.release
      ? `release\0${query.baseEcosystem}\0${query.release.exact}\0${query.release.prefix ?? ""}`
      : `all\0${query.baseEcosystem}`;

  /** Reads the names of one group that are not known yet. */
  const read = (query: AffectedQuery, names: readonly string[], into: Map<string, AffectedReader>): void => {
    const rows = new Map<string, IndexRow[]>(names.map((name) => [name, []]));
    const release = query.release;
    const prefix = release?.prefix;
    const staleNames = stale.get(query.baseEcosystem);
    const fresh = staleNames ? names.filter((name) => !staleNames.has(name)) : names;
    for (const chunk of chunks(fresh)) {
      const list = JSON.stringify(chunk);
      const got = release
        ? byNamesInRelease.all({ base: query.baseEcosystem, names: list, exact: release.exact, prefix: prefix ?? null })
        : byNames.all(query.baseEcosystem, list);
      for (const row of got) rows.get(row.name)?.push(row);
    }
    if (fromTables && staleNames) {
      const keep = release
        ? (ecosystem: string) => ecosystem === release.exact || (prefix !== undefined && ecosystem.startsWith(prefix))
        : undefined;
      for (const name of names) {
        if (staleNames.has(name)) rows.set(name, fromTables(query.baseEcosystem, name, keep));
      }
    }
    for (const [name, list] of rows) into.set(name, readerOf(list));
  };

  return {
    affectedBy: (queries) => {
      const missing = new Map<string, { query: AffectedQuery; names: Set<string> }>();
      for (const query of queries) {
        const group = groupOf(query);
        if (found.get(group)?.has(query.name)) continue;
        let wanted = missing.get(group);
        if (!wanted) missing.set(group, (wanted = { query, names: new Set() }));
        wanted.names.add(query.name);
      }
      for (const [group, { query, names }] of missing) {
        let into = found.get(group);
        if (!into) found.set(group, (into = new Map<string, AffectedReader>()));
        read(query, [...names], into);
      }
      return queries.map((query) => found.get(groupOf(query))?.get(query.name) ?? readsNothing);
    },
    advisories: (ids) => {
      const wanted = [...ids];
      const out = new Map<string, StoredAdvisory>();
      const unknown = wanted.filter((id) => !advisories.has(id));
      for (const chunk of chunks(unknown)) {
        for (const row of byIds.all(JSON.stringify(chunk))) {
          const ids = new Set([row.id]);
          for (const id of strings(row.aliases, "an alias list")) ids.add(id);
          for (const id of strings(row.upstream, "an upstream list")) ids.add(id);
          const references: string[] = [];
          for (const url of strings(row.refs, "a reference list")) {
            if (references.length === referenceCount) break;
            if (!references.includes(url)) references.push(url);
          }
          advisories.set(row.id, {
            id: row.id,
            ...(row.summary === null ? {} : { summary: row.summary }),
            identifiers: [...ids],
            references,
          });
        }
        for (const id of chunk) if (!advisories.has(id)) advisories.set(id, undefined);
      }
      for (const id of wanted) {
        const advisory = advisories.get(id);
        if (advisory) out.set(id, advisory);
      }
      return out;
    },
  };
}
