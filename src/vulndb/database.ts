import Database from "better-sqlite3";
import { InputError, errorMessage } from "../errors.ts";
import { rebuildMatchIndex, refreshMatchIndex } from "./match-index.ts";

export type VulnDatabase = Database.Database;

/**
 * The format of the tables, in `meta`. 2 added the match index. The index is derived from the
 * other tables with the version orderings and CVSS scoring of this code: change any of them, or
 * the index encoding, and bump this, so that databases rebuild their index when next opened.
 */
export const schemaVersion = 2;

const mappedBytes = 256 * 1024 * 1024;

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisories (
  id TEXT PRIMARY KEY,
  modified TEXT NOT NULL,
  published TEXT,
  withdrawn TEXT,
  summary TEXT,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_label TEXT,
  refs TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
  advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  ecosystem TEXT NOT NULL,
  base_ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  ranges TEXT NOT NULL,
  versions TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_label TEXT
);
CREATE INDEX IF NOT EXISTS affected_by_package ON affected (base_ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_by_advisory ON affected (advisory_id);
CREATE TABLE IF NOT EXISTS sources (
  name TEXT PRIMARY KEY,
  imported_at TEXT NOT NULL,
  records INTEGER NOT NULL,
  etag TEXT,
  last_modified TEXT
);
CREATE TABLE IF NOT EXISTS match_index (
  base_ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  ecosystem TEXT NOT NULL,
  entries TEXT NOT NULL,
  versions TEXT
);
CREATE INDEX IF NOT EXISTS match_index_by_package ON match_index (base_ecosystem, name, ecosystem);
CREATE TABLE IF NOT EXISTS match_index_stale (
  base_ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (base_ecosystem, name)
) WITHOUT ROWID;
`;

/** The format recorded in the database: undefined when it records none (a new database), NaN when unreadable. */
export function databaseFormat(db: VulnDatabase): number | undefined {
  const meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (meta === undefined) return undefined;
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  if (row === undefined) return undefined;
  const format = Number(row.value);
  return Number.isInteger(format) && format > 0 ? format : Number.NaN;
}

const isOlder = (format: number | undefined): boolean => format === undefined || format < schemaVersion;

function unreadable(path: string, format: number): InputError {
  const which = Number.isNaN(format) ? "an unknown format" : `format ${format}`;
  return new InputError(
    `the advisory database ${path} has ${which}, which this Strata (format ${schemaVersion}) cannot read: ` +
      "use the newer Strata that wrote it, or another --db",
  );
}

const older = (path: string, format: number | undefined): string =>
  `the advisory database ${path} has ${format === undefined ? "no recorded format" : `format ${format}`}, ` +
  `older than this Strata's (${schemaVersion})`;

/** Throws unless the database is of this code's format (matching reads the index it added). */
export function checkFormat(db: VulnDatabase, path: string = db.name): void {
  const format = databaseFormat(db);
  if (format === schemaVersion) return;
  if (!isOlder(format)) throw unreadable(path, format ?? Number.NaN);
  throw new InputError(
    `${older(path, format)}: it is converted when opened for writing, for example by "strata db update --db ${path}"`,
  );
}

/**
 * Opens (and creates or converts) the advisory database. Opened for writing, a database of an
 * older format gets the match index built from its tables, and an interrupted import's stale
 * index rows are rebuilt. Read-only, it is opened as it is; see openCurrentVulnDatabase.
 */
export function openVulnDatabase(path: string, options: { readonly?: boolean } = {}): VulnDatabase {
  const db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
  try {
    // Matching reads rows all over the file: mapped pages cost no read call each.
    db.pragma(`mmap_size = ${mappedBytes}`);
    if (options.readonly) return db;
    const format = databaseFormat(db);
    if (format !== schemaVersion && !isOlder(format)) throw unreadable(path, format ?? Number.NaN);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.exec(schema);
    if (format !== schemaVersion) {
      db.transaction(() => {
        rebuildMatchIndex(db);
        db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(schemaVersion));
      })();
    } else if (db.prepare("SELECT 1 FROM match_index_stale LIMIT 1").get() !== undefined) {
      refreshMatchIndex(db);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Opens the database read-only for matching. One of an older format is converted first, which
 * needs write access once; one that cannot be converted is refused with a message saying why.
 */
export function openCurrentVulnDatabase(path: string): VulnDatabase {
  const db = openVulnDatabase(path, { readonly: true });
  const format = databaseFormat(db);
  if (format === schemaVersion) return db;
  db.close();
  if (!isOlder(format)) throw unreadable(path, format ?? Number.NaN);
  try {
    openVulnDatabase(path).close();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `${older(path, format)}, and converting it failed (${errorMessage(error)}): ` +
        `run "strata db update --db ${path}" with write access`,
      { cause: error },
    );
  }
  const converted = openVulnDatabase(path, { readonly: true });
  try {
    checkFormat(converted, path);
  } catch (error) {
    converted.close();
    throw error;
  }
  return converted;
}
