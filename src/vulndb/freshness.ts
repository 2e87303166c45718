import { existsSync } from "node:fs";
import type { Dispatcher } from "undici";
import { InputError, errorMessage } from "../errors.ts";
import type { Inventory } from "../model/inventory.ts";
import { openVulnDatabase } from "./database.ts";
import type { RetryPolicy } from "./download.ts";
import { ecosystemsFor } from "./ecosystems-for.ts";
import { defaultDownloadDir, updateDatabase } from "./update.ts";

/** Older than this, a scan updates the ecosystems it needs before matching. */
export const maxDatabaseAgeMs = 24 * 60 * 60 * 1000;

export interface SourceAge {
  name: string;
  updatedAt: string;
  ageMs: number;
}

export interface DatabaseAge {
  /** The most recent update of any source. */
  updatedAt: string;
  ageMs: number;
  sources: SourceAge[];
}

/** How old the database at `dbPath` is, from its sources table; undefined when it has no sources. */
export function databaseAge(dbPath: string, now: Date = new Date()): DatabaseAge | undefined {
  if (!existsSync(dbPath)) return undefined;
  let rows: { name: string; imported_at: string }[];
  try {
    const db = openVulnDatabase(dbPath, { readonly: true });
    try {
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sources'").get();
      if (table === undefined) return undefined;
      rows = db
        .prepare<[], { name: string; imported_at: string }>("SELECT name, imported_at FROM sources ORDER BY name")
        .all();
    } finally {
      db.close();
    }
  } catch (error) {
    throw new InputError(`${dbPath} is not a readable advisory database: ${errorMessage(error)}`, { cause: error });
  }
  const sources = rows.map((row) => ({
    name: row.name,
    updatedAt: row.imported_at,
    ageMs: Math.max(0, now.getTime() - Date.parse(row.imported_at)),
  }));
  const newest = sources.reduce<SourceAge | undefined>(
    (best, source) => (best === undefined || source.ageMs < best.ageMs ? source : best),
    undefined,
  );
  if (!newest) return undefined;
  return { updatedAt: newest.updatedAt, ageMs: newest.ageMs, sources };
}

/** "25 min", "7 h", "3 days". */
export function formatAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

export interface PrepareOptions {
  dbPath: string;
  inventory: Pick<Inventory, "packages" | "distro">;
  /** Never touch the network. */
  offline: boolean;
  now: Date;
  baseUrl: string;
  /** Progress lines (what is being downloaded). */
  log: (line: string) => void;
  cacheDir?: string;
  fetchAgent?: Dispatcher;
  maxAgeMs?: number;
  retry?: RetryPolicy;
}

export interface PreparedDatabase {
  /** There is a database with at least one source to match against. */
  usable: boolean;
  warnings: string[];
}

/**
 * Before a scan matches: when the ecosystems this inventory needs are missing from the database
 * or older than a day, update them (unless offline). A failed update never makes a usable
 * database unusable; it becomes a warning that says how old the advisories are.
 */
export async function prepareDatabase(options: PrepareOptions): Promise<PreparedDatabase> {
  const maxAge = options.maxAgeMs ?? maxDatabaseAgeMs;
  const needed = ecosystemsFor(options.inventory);
  const before = databaseAge(options.dbPath, options.now);
  const stale = needed.filter((name) => {
    const source = before?.sources.find((candidate) => candidate.name === name);
    return !source || source.ageMs > maxAge;
  });
  const warnings: string[] = [];
  if (options.offline) {
    if (!before) return { usable: false, warnings };
    for (const name of stale) warnings.push(describeStale(name, before, "offline: not updated"));
    return { usable: true, warnings };
  }
  if (stale.length === 0) return { usable: before !== undefined, warnings };

  options.log(`updating advisories for ${stale.join(", ")}`);
  let failed: string[];
  try {
    const report = await updateDatabase({
      dbPath: options.dbPath,
      ecosystems: stale,
      baseUrl: options.baseUrl,
      cacheDir: options.cacheDir ?? defaultDownloadDir(options.dbPath),
      now: options.now,
      log: options.log,
      ...(options.fetchAgent ? { fetchAgent: options.fetchAgent } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
    for (const failure of report.failed) warnings.push(failure.error.message);
    failed = report.failed.map((failure) => failure.ecosystem);
  } catch (error) {
    // A read-only database or cache folder must not stop a scan that can still match.
    warnings.push(`could not update the advisory database at ${options.dbPath}: ${errorMessage(error)}`);
    failed = stale;
  }
  const after = databaseAge(options.dbPath, options.now);
  for (const name of failed) warnings.push(describeStale(name, after, "update failed"));
  return { usable: after !== undefined, warnings };
}

function describeStale(name: string, age: DatabaseAge | undefined, why: string): string {
  const source = age?.sources.find((candidate) => candidate.name === name);
  if (!source) return `no ${name} advisories in the database (${why}); ${name} packages were not checked`;
  return `${name} advisories are ${formatAge(source.ageMs)} old, from ${source.updatedAt} (${why})`;
}
