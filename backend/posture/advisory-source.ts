import { type AdvisoryStore, sqliteAdvisoryStore } from "../../src/match/advisory-store.ts";
import { InputError } from "../../src/errors.ts";
import { openVulnDatabase, type VulnDatabase } from "../../src/vulndb/database.ts";

export interface AdvisoryStatus {
  /** When a source was last imported. */
  updatedAt?: string;
  sources: string[];
}

/** The backend's own advisory database: the SQLite OSV database the CLI imports into. */
export interface AdvisorySource {
  /**
   * A store over what the database holds now. Take a fresh one for each evaluation: a store caches
   * advisories, and the database may be updated (by `strata db import`) while the server runs.
   */
  store(): AdvisoryStore;
  status(): AdvisoryStatus;
  close(): void;
}

/** Opens the advisory database at `path`, creating an empty one when there is none yet. */
export function openAdvisorySource(path: string): AdvisorySource {
  let db: VulnDatabase;
  try {
    db = openVulnDatabase(path);
  } catch (error) {
    throw new InputError(`cannot open the advisory database ${path}`, { cause: error });
  }
  const sources = db.prepare<[], { name: string; imported_at: string }>(
    "SELECT name, imported_at FROM sources ORDER BY name",
  );
  return {
    store: () => sqliteAdvisoryStore(db),
    status: () => {
      const rows = sources.all();
      const updatedAt = rows
        .map((row) => row.imported_at)
        .sort()
        .at(-1);
      return { ...(updatedAt === undefined ? {} : { updatedAt }), sources: rows.map((row) => row.name) };
    },
    close: () => {
      db.close();
    },
  };
}
