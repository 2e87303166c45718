import Database from "better-sqlite3";

export type VulnDatabase = Database.Database;

const schemaVersion = 1;

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
`;

/** Opens (and creates or migrates) the advisory database. */
export function openVulnDatabase(path: string, options: { readonly?: boolean } = {}): VulnDatabase {
  const db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.exec(schema);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(schemaVersion));
  }
  return db;
}
