import { InputError } from "../errors.ts";
import { type AffectedSource, encodeEntry, encodeVersions } from "../match/compact-affected.ts";
import type { VulnDatabase } from "./database.ts";
import type { OsvEvent, OsvRange, OsvSeverity } from "./osv-record.ts";

/**
 * The match index: per package name and OSV ecosystem ("Debian:11"), one row with the matcher's
 * form of every affected entry of an advisory that is not withdrawn (match/compact-affected.ts).
 * It is derived from the `affected` and `advisories` tables. An import marks the names it touches
 * as stale and rebuilds their rows when it ends; until then, readers build those names' rows
 * from the tables themselves, so that a stale row is never read.
 */
export interface IndexRow {
  ecosystem: string;
  entries: string;
  versions: string | null;
}

interface SourceRow {
  seq: number;
  advisory_id: string;
  ecosystem: string;
  ranges: string;
  versions: string;
  severity: string;
  severity_label: string | null;
  advisory_severity: string;
  advisory_severity_label: string | null;
}

const sourceColumns = `a.rowid AS seq, a.advisory_id, a.ecosystem, a.ranges, a.versions, a.severity, a.severity_label,
  v.severity AS advisory_severity, v.severity_label AS advisory_severity_label`;

function damaged(what: string): InputError {
  return new InputError(`the advisory database is damaged (${what}); import the advisories again`);
}

type JsonObject = { readonly [key: string]: unknown };
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseList(text: string, what: string): unknown[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw damaged(`${what} is not a list`);
  return value;
}

function strings(text: string, what: string): string[] {
  return parseList(text, what).map((item) => {
    if (typeof item !== "string") throw damaged(`${what} holds a non-string`);
    return item;
  });
}

function severities(text: string): OsvSeverity[] {
  return parseList(text, "a severity list").map((item) => {
    if (!isObject(item) || typeof item["type"] !== "string" || typeof item["score"] !== "string") {
      throw damaged("a severity has no type or score");
    }
    return { type: item["type"], score: item["score"] };
  });
}

function event(value: unknown): OsvEvent {
  if (!isObject(value)) throw damaged("a range event is not an object");
  const out: OsvEvent = {};
  for (const key of ["introduced", "fixed", "lastAffected", "limit"] as const) {
    const version = value[key];
    if (typeof version === "string") out[key] = version;
    else if (version !== undefined) throw damaged("a range event's version is not a string");
  }
  return out;
}

/** The `ranges` column, as the importer wrote it from OsvRange values. */
export function storedRanges(text: string): OsvRange[] {
  return parseList(text, "a range list").map((value) => {
    if (!isObject(value) || !Array.isArray(value["events"])) throw damaged("a range has no events");
    const type = value["type"];
    if (type !== "SEMVER" && type !== "ECOSYSTEM" && type !== "GIT") throw damaged("a range has no known type");
    const events: readonly unknown[] = value["events"];
    return { type, events: events.map(event) };
  });
}

function sourceOf(row: SourceRow): AffectedSource {
  return {
    seq: row.seq,
    advisoryId: row.advisory_id,
    ranges: storedRanges(row.ranges),
    versions: strings(row.versions, "a version list"),
    severity: severities(row.severity),
    ...(row.severity_label === null ? {} : { severityLabel: row.severity_label }),
    advisorySeverity: severities(row.advisory_severity),
    ...(row.advisory_severity_label === null ? {} : { advisorySeverityLabel: row.advisory_severity_label }),
  };
}

/** One package name's index rows from its source rows (in import order): one per OSV ecosystem. */
function indexRows(
  baseEcosystem: string,
  rows: readonly SourceRow[],
  keep?: (ecosystem: string) => boolean,
): IndexRow[] {
  const byEcosystem = new Map<string, AffectedSource[]>();
  for (const row of rows) {
    if (keep && !keep(row.ecosystem)) continue;
    let sources = byEcosystem.get(row.ecosystem);
    if (!sources) byEcosystem.set(row.ecosystem, (sources = []));
    sources.push(sourceOf(row));
  }
  return [...byEcosystem].map(([ecosystem, sources]) => ({
    ecosystem,
    entries: JSON.stringify(sources.map((source) => encodeEntry(baseEcosystem, source))),
    versions: encodeVersions(baseEcosystem, sources),
  }));
}

/**
 * Builds the index rows of one package name from the tables: one per OSV ecosystem, entries in the
 * order they were imported. `keep` leaves out the ecosystems a reader does not ask for.
 */
export function indexRowsBuilder(
  db: VulnDatabase,
): (baseEcosystem: string, name: string, keep?: (ecosystem: string) => boolean) => IndexRow[] {
  const select = db.prepare<[string, string], SourceRow>(
    `SELECT ${sourceColumns} FROM affected a JOIN advisories v ON v.id = a.advisory_id
      WHERE a.base_ecosystem = ? AND a.name = ? AND v.withdrawn IS NULL ORDER BY a.rowid`,
  );
  return (baseEcosystem, name, keep) => indexRows(baseEcosystem, select.all(baseEcosystem, name), keep);
}

/**
 * Marks the names whose rows an import changes: those an advisory names now, and (before it is
 * replaced) those it named. Each name is written once per marker.
 */
export function staleMarker(db: VulnDatabase): { advisory(id: string): void; name(base: string, name: string): void } {
  const byAdvisory = db.prepare<[string]>(
    "INSERT OR IGNORE INTO match_index_stale (base_ecosystem, name) SELECT base_ecosystem, name FROM affected WHERE advisory_id = ?",
  );
  const byName = db.prepare<[string, string]>(
    "INSERT OR IGNORE INTO match_index_stale (base_ecosystem, name) VALUES (?, ?)",
  );
  const marked = new Map<string, Set<string>>();
  return {
    advisory: (id) => {
      byAdvisory.run(id);
    },
    name: (base, name) => {
      let names = marked.get(base);
      if (!names) marked.set(base, (names = new Set()));
      if (names.has(name)) return;
      names.add(name);
      byName.run(base, name);
    },
  };
}

type KeyedRow = SourceRow & { base_ecosystem: string; name: string };

/** Past this many stale names, reading both tables through is cheaper than looking each name up. */
const scanFromNames = 2000;

/** The source rows of the stale names, looked up name by name, grouped by name in import order. */
function staleRowsByLookup(db: VulnDatabase): KeyedRow[][] {
  const rows = db
    .prepare<[], KeyedRow>(
      `SELECT a.base_ecosystem, a.name, ${sourceColumns} FROM match_index_stale s
         JOIN affected a ON a.base_ecosystem = s.base_ecosystem AND a.name = s.name
         JOIN advisories v ON v.id = a.advisory_id
        WHERE v.withdrawn IS NULL ORDER BY a.base_ecosystem, a.name, a.rowid`,
    )
    .all();
  const groups: KeyedRow[][] = [];
  let group: KeyedRow[] = [];
  for (const row of rows) {
    const first = group[0];
    if (first && (first.name !== row.name || first.base_ecosystem !== row.base_ecosystem)) {
      groups.push(group);
      group = [];
    }
    group.push(row);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The same, read by scanning both tables in order: no lookup per row. */
function staleRowsByScan(db: VulnDatabase): KeyedRow[][] {
  const stale = new Map<string, Set<string>>();
  for (const { base_ecosystem: base, name } of db
    .prepare<[], { base_ecosystem: string; name: string }>("SELECT base_ecosystem, name FROM match_index_stale")
    .all()) {
    stale.set(base, (stale.get(base) ?? new Set()).add(name));
  }
  const advisories = new Map<string, { severity: string; label: string | null }>();
  for (const row of db
    .prepare<[], { id: string; severity: string; severity_label: string | null }>(
      "SELECT id, severity, severity_label FROM advisories WHERE withdrawn IS NULL",
    )
    .all()) {
    advisories.set(row.id, { severity: row.severity, label: row.severity_label });
  }
  const groups = new Map<string, Map<string, KeyedRow[]>>();
  for (const row of db
    .prepare<[], Omit<KeyedRow, "advisory_severity" | "advisory_severity_label">>(
      `SELECT rowid AS seq, advisory_id, ecosystem, base_ecosystem, name, ranges, versions, severity, severity_label
         FROM affected ORDER BY rowid`,
    )
    .all()) {
    const advisory = advisories.get(row.advisory_id);
    if (!advisory || !stale.get(row.base_ecosystem)?.has(row.name)) continue;
    let names = groups.get(row.base_ecosystem);
    if (!names) groups.set(row.base_ecosystem, (names = new Map<string, KeyedRow[]>()));
    let group = names.get(row.name);
    if (!group) names.set(row.name, (group = []));
    group.push({
      seq: row.seq,
      advisory_id: row.advisory_id,
      ecosystem: row.ecosystem,
      base_ecosystem: row.base_ecosystem,
      name: row.name,
      ranges: row.ranges,
      versions: row.versions,
      severity: row.severity,
      severity_label: row.severity_label,
      advisory_severity: advisory.severity,
      advisory_severity_label: advisory.label,
    });
  }
  return [...groups.values()].flatMap((names) => [...names.values()]);
}

/** Rebuilds the rows of every stale name, in one transaction; returns how many names. */
export function refreshMatchIndex(db: VulnDatabase, scanFrom = scanFromNames): number {
  const insert = db.prepare<[string, string, string, string, string | null]>(
    "INSERT INTO match_index (base_ecosystem, name, ecosystem, entries, versions) VALUES (?, ?, ?, ?, ?)",
  );
  return db.transaction(() => {
    const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM match_index_stale").get()?.n ?? 0;
    if (count === 0) return 0;
    const groups = count < scanFrom ? staleRowsByLookup(db) : staleRowsByScan(db);
    db.prepare(
      "DELETE FROM match_index WHERE (base_ecosystem, name) IN (SELECT base_ecosystem, name FROM match_index_stale)",
    ).run();
    for (const group of groups) {
      const [first] = group;
      if (!first) continue;
      for (const row of indexRows(first.base_ecosystem, group)) {
        insert.run(first.base_ecosystem, first.name, row.ecosystem, row.entries, row.versions);
      }
    }
    db.prepare("DELETE FROM match_index_stale").run();
    return count;
  })();
}

/** Rebuilds the whole index from the tables (a database of an older format, or a damaged index). */
export function rebuildMatchIndex(db: VulnDatabase): void {
  db.transaction(() => {
    db.prepare("DELETE FROM match_index").run();
    db.prepare(
      "INSERT OR IGNORE INTO match_index_stale (base_ecosystem, name) SELECT DISTINCT base_ecosystem, name FROM affected",
    ).run();
    refreshMatchIndex(db);
  })();
}
