import { existsSync } from "node:fs";
import { InputError } from "../../errors.ts";
import { openVulnDatabase } from "../../vulndb/database.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";
import { defaultDownloadDir, osvBaseUrl, storedEcosystems, updateDatabase } from "../../vulndb/update.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

export interface DbUpdateOptions {
  db?: string;
  /** OSV ecosystem names; none = every ecosystem the database already has. */
  ecosystem?: string[];
  dbUrl?: string;
  quiet?: true;
}

export async function runDbUpdate(options: DbUpdateOptions): Promise<number> {
  try {
    const dbPath = options.db ?? defaultDatabasePath(process.env);
    const ecosystems = options.ecosystem?.length ? options.ecosystem : ecosystemsIn(dbPath);
    if (ecosystems.length === 0) {
      throw new InputError(
        `the advisory database at ${dbPath} has no ecosystems yet; name them with --ecosystem (for example --ecosystem Debian --ecosystem npm)`,
      );
    }
    const say = (line: string): void => {
      if (!options.quiet) process.stderr.write(`strata: ${line}\n`);
    };
    const report = await updateDatabase({
      dbPath,
      ecosystems,
      baseUrl: osvBaseUrl(options.dbUrl, process.env),
      cacheDir: defaultDownloadDir(dbPath),
      now: new Date(),
      log: say,
    });
    for (const update of report.updated) {
      const stats = update.stats;
      if (!stats) continue;
      say(
        `${update.ecosystem}: ${stats.imported} records imported, ${stats.unchanged} unchanged, ${stats.invalid} invalid`,
      );
      for (const problem of stats.problems) say(`  ${problem}`);
    }
    for (const failure of report.failed) printError(failure.error);
    say(`advisory database at ${dbPath}`);
    return report.failed.length > 0 ? exitCodeFor(report.failed[0]?.error) : exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

function ecosystemsIn(dbPath: string): string[] {
  if (!existsSync(dbPath)) return [];
  const db = openVulnDatabase(dbPath, { readonly: true });
  try {
    return storedEcosystems(db);
  } finally {
    db.close();
  }
}
