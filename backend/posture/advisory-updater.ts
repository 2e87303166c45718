import { errorMessage } from "../../src/errors.ts";
import type { RetryPolicy } from "../../src/vulndb/download.ts";
import { type DatabaseAge, databaseAge, formatAge } from "../../src/vulndb/freshness.ts";
import { defaultDownloadDir } from "../../src/vulndb/update.ts";
import type { StrataDb } from "../db/tables.ts";
import { neededEcosystems } from "../store/advisory-ecosystems.ts";
import { type UpdateSummary, updateInWorker } from "./update-in-worker.ts";

export interface AdvisoryUpdaterOptions {
  db: StrataDb;
  /** The advisory database file the server matches against. */
  advisoryDb: string;
  /** Where `<Ecosystem>/all.zip` is downloaded from (src/vulndb/update.ts `osvBaseUrl`). */
  baseUrl: string;
  /** An ecosystem older than this is updated. */
  intervalMs: number;
  /** How often to look whether an ecosystem is due (a newly uploaded image may need a new one). */
  checkIntervalMs: number;
  /** After a failed update, the wait before that ecosystem is tried again. Default: the interval, at most 15 min. */
  retryAfterMs?: number;
  /** Retries of one download (src/vulndb/download.ts). */
  retry?: RetryPolicy;
  log: (line: string) => void;
  /** Called after an update that imported something, so that the posture follows at once. */
  onImported: () => Promise<unknown>;
}

export interface AdvisoryUpdater {
  /** Updates the ecosystems that are due, if any; undefined when none was. Never throws: failures are logged. */
  tick(): Promise<UpdateSummary | undefined>;
  start(): void;
  /** Stops the timer and ends an update in progress (a partly downloaded zip is resumed next time). */
  stop(): Promise<void>;
}

/**
 * The server's own `strata db update`: the ecosystems the stored images need, when they are older than the
 * interval or missing, downloaded and imported in a worker thread. A failure is a warning that says how old
 * the advisories are; the server goes on with what it has.
 */
export function advisoryUpdater(options: AdvisoryUpdaterOptions): AdvisoryUpdater {
  const retryAfterMs = options.retryAfterMs ?? Math.min(options.intervalMs, 15 * 60_000);
  const lastAttempt = new Map<string, number>();
  const cacheDir = defaultDownloadDir(options.advisoryDb);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<UpdateSummary | undefined> | undefined;
  let abort = new AbortController();
  const say = (line: string): void => {
    options.log(`strata server: ${line}`);
  };

  const due = async (now: Date): Promise<{ names: string[]; age: DatabaseAge | undefined }> => {
    const needed = await neededEcosystems(options.db);
    const age = databaseAge(options.advisoryDb, now);
    const names = needed.filter((name) => {
      const source = age?.sources.find((candidate) => candidate.name === name);
      if (source && source.ageMs < options.intervalMs) return false;
      const tried = lastAttempt.get(name);
      return tried === undefined || now.getTime() - tried >= retryAfterMs;
    });
    return { names, age };
  };

  const update = async (): Promise<UpdateSummary | undefined> => {
    const now = new Date();
    let names: string[];
    let age: DatabaseAge | undefined;
    try {
      ({ names, age } = await due(now));
    } catch (error) {
      say(`warning: cannot tell which advisories need an update: ${errorMessage(error)}`);
      return undefined;
    }
    if (names.length === 0) return undefined;
    for (const name of names) lastAttempt.set(name, now.getTime());
    say(`updating advisories for ${names.join(", ")}`);
    let summary: UpdateSummary;
    try {
      summary = await updateInWorker(
        {
          dbPath: options.advisoryDb,
          ecosystems: names,
          baseUrl: options.baseUrl,
          cacheDir,
          now: now.toISOString(),
          ...(options.retry ? { retry: options.retry } : {}),
        },
        say,
        abort.signal,
      );
    } catch (error) {
      if (stopped) return undefined;
      summary = { updated: [], failed: names.map((ecosystem) => ({ ecosystem, message: errorMessage(error) })) };
    }
    for (const update of summary.updated)
      if (update.outcome === "imported")
        say(
          `${update.ecosystem}: ${update.imported} records imported, ${update.unchanged} unchanged, ${update.invalid} invalid`,
        );
    for (const failure of summary.failed) say(`warning: ${failure.message}; ${staleness(failure.ecosystem, age)}`);
    if (summary.updated.some((update) => update.imported > 0)) {
      try {
        await options.onImported();
      } catch (error) {
        say(`warning: re-evaluation after the advisory update failed: ${errorMessage(error)}`);
      }
    }
    return summary;
  };

  const tick = (): Promise<UpdateSummary | undefined> => {
    running ??= update().finally(() => {
      running = undefined;
    });
    return running;
  };

  const loop = async (): Promise<void> => {
    await tick();
    if (!stopped) {
      timer = setTimeout(() => void loop(), options.checkIntervalMs);
      timer.unref();
    }
  };

  return {
    tick,
    start: () => {
      stopped = false;
      abort = new AbortController();
      timer = setTimeout(() => void loop(), 0);
      timer.unref();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running;
    },
  };
}

/** "Debian advisories are 3 days old, from …", or that there are none yet. */
function staleness(name: string, age: DatabaseAge | undefined): string {
  const source = age?.sources.find((candidate) => candidate.name === name);
  if (!source) return `there are no ${name} advisories yet, so ${name} packages are not checked`;
  return `${name} advisories are ${formatAge(source.ageMs)} old, from ${source.updatedAt}; they stay in use`;
}
