import { statSync } from "node:fs";
import { type AdvisoryStore, sqliteAdvisoryStore } from "../../src/match/advisory-store.ts";
import { InputError } from "../../src/errors.ts";
import { openVulnDatabase, type VulnDatabase } from "../../src/vulndb/database.ts";
import { readDataVersion } from "../../src/vulndb/data-version.ts";

export interface AdvisoryStatus {
  /** When a source was last imported. */
  updatedAt?: string;
  sources: string[];
  /** Moves on with every import that changed advisories (src/vulndb/data-version.ts). */
  dataVersion: number;
}

/** The backend's own advisory database: the SQLite OSV database the CLI imports into. */
export interface AdvisorySource {
  readonly path: string;
  /**
   * A store over what the database holds now. Take a fresh one for each evaluation: a store caches
   * advisories, and the database may be updated (by `strata db import`) while the server runs.
   */
  store(): AdvisoryStore;
  /** Cheap: one indexed read. Read it before matching, so that a later change is noticed. */
  dataVersion(): number;
  status(): AdvisoryStatus;
  /**
   * Reopens the database when the file at `path` is no longer the one open (deleted and created again).
   * Returns whether it did. Call it only when no store is in use.
   */
  refresh(): boolean;
  close(): void;
}

interface Opened {
  db: VulnDatabase;
  /** device and inode of the file opened */
  file: string;
  sources: { all(): { name: string; imported_at: string }[] };
}

/** Opens the advisory database at `path`, creating an empty one when there is none yet. */
export function openAdvisorySource(path: string): AdvisorySource {
  let opened = open(path);
  return {
    path,
    store: () => sqliteAdvisoryStore(opened.db),
    dataVersion: () => readDataVersion(opened.db),
    status: () => {
      const rows = opened.sources.all();
      const updatedAt = rows
        .map((row) => row.imported_at)
        .sort()
        .at(-1);
      return {
        ...(updatedAt === undefined ? {} : { updatedAt }),
        sources: rows.map((row) => row.name),
        dataVersion: readDataVersion(opened.db),
      };
    },
    refresh: () => {
      if (fileIdentity(path) === opened.file) return false;
      const next = open(path);
      opened.db.close();
      opened = next;
      return true;
    },
    close: () => {
      opened.db.close();
    },
  };
}

function open(path: string): Opened {
  let db: VulnDatabase;
  try {
    db = openVulnDatabase(path);
  } catch (error) {
    throw new InputError(`cannot open the advisory database ${path}`, { cause: error });
  }
  return {
    db,
    file: fileIdentity(path),
    sources: db.prepare<[], { name: string; imported_at: string }>(
      "SELECT name, imported_at FROM sources ORDER BY name",
    ),
  };
}

function fileIdentity(path: string): string {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? `${info.dev}:${info.ino}` : "missing";
}
