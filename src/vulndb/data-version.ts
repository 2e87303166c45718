import type { VulnDatabase } from "./database.ts";

/**
 * A counter in the `meta` table that every import which changes advisories moves on by one, so
 * that a long-running reader (the backend) can tell cheaply that it must look again. Importers in
 * other processes bump it in their own transaction; readers only compare it.
 */
const key = "data_version";

/** 0 for a database that no import has changed yet. */
export function readDataVersion(db: VulnDatabase): number {
  const row = db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key);
  const version = row === undefined ? 0 : Number(row.value);
  return Number.isSafeInteger(version) && version >= 0 ? version : 0;
}

/** Moves the version on by one, atomically (two importers at once both count), and returns the new one. */
export function bumpDataVersion(db: VulnDatabase): number {
  const row = db
    .prepare<[string], { value: string }>(
      `INSERT INTO meta (key, value) VALUES (?, '1')
       ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
       RETURNING value`,
    )
    .get(key);
  return Number(row?.value);
}
