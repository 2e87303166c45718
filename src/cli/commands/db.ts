import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { openVulnDatabase } from "../../vulndb/database.ts";
import { importOsvPath } from "../../vulndb/import-sources.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

export async function runDbImport(paths: readonly string[], options: { db?: string }): Promise<number> {
  try {
    const path = options.db ?? defaultDatabasePath(process.env);
    await mkdir(dirname(path), { recursive: true });
    const db = openVulnDatabase(path);
    try {
      for (const source of paths) {
        for (const stats of await importOsvPath(db, source)) {
          process.stderr.write(
            `strata: ${stats.source}: ${stats.imported} records imported, ${stats.unchanged} unchanged, ${stats.invalid} invalid\n`,
          );
          for (const problem of stats.problems) process.stderr.write(`strata:   ${problem}\n`);
        }
      }
    } finally {
      db.close();
    }
    process.stderr.write(`strata: advisory database at ${path}\n`);
    return exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
