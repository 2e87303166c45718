import { errorMessage } from "../../src/errors.ts";
import type { StrataDb } from "../db/tables.ts";
import type { AdvisorySource } from "./advisory-source.ts";
import { type ImageChange, type ReevaluationResult, reevaluateAll } from "./reevaluate.ts";

export interface PostureKeeperOptions {
  db: StrataDb;
  advisories: AdvisorySource;
  /** How often the advisory database's data version is read. */
  checkIntervalMs: number;
  log: (line: string) => void;
}

/** Keeps every stored image's findings in step with the advisory database, without rescans. */
export interface PostureKeeper {
  /**
   * Re-evaluates every image against the advisories as they are now. Runs after whatever run is in progress;
   * a request while a full run is pending or running shares that run's result.
   */
  reevaluateAll(): Promise<ReevaluationResult>;
  /**
   * When the advisory data version moved since the last look (another process imported, or this server
   * updated), re-evaluates the images evaluated against another version. Undefined when nothing moved.
   */
  check(): Promise<ReevaluationResult | undefined>;
  /** Checks now, then every checkIntervalMs. */
  start(): void;
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>;
}

/** Lines about single images, after which the log only counts them. */
const maxChangeLines = 20;

export function postureKeeper({ db, advisories, checkIntervalMs, log }: PostureKeeperOptions): PostureKeeper {
  // Runs go one at a time: each re-evaluation reads, matches and writes one image after another.
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const next = tail.then(run, run);
    tail = next.catch(() => undefined);
    return next;
  };
  let lastVersion: number | undefined;
  let fullRun: Promise<ReevaluationResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const run = async (only: "all" | "stale", why: string): Promise<ReevaluationResult> => {
    const started = performance.now();
    const changes: ImageChange[] = [];
    const result = await reevaluateAll(db, advisories, { only, onChange: (change) => changes.push(change) });
    lastVersion = result.advisories.dataVersion;
    if (result.images > 0 || result.skipped > 0 || why !== "") {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      log(
        `strata server: ${why}advisory data version ${result.advisories.dataVersion}: re-evaluated ${plural(result.images, "image")} in ${seconds} s: ` +
          `${result.added} findings added, ${result.removed} removed, ${result.findings} in all` +
          (result.skipped > 0 ? `; ${result.skipped} skipped (re-uploaded meanwhile)` : ""),
      );
      for (const change of changes.slice(0, maxChangeLines))
        log(
          `strata server:   ${change.reference} (${change.id}): +${change.added} -${change.removed}, ${change.findings} findings`,
        );
      if (changes.length > maxChangeLines) log(`strata server:   and ${changes.length - maxChangeLines} more images`);
    }
    return result;
  };

  const check = (): Promise<ReevaluationResult | undefined> =>
    serially(async () => {
      if (advisories.refresh()) return run("all", `the advisory database at ${advisories.path} was replaced; `);
      const version = advisories.dataVersion();
      if (version === lastVersion) return undefined;
      // At start-up only images left behind by an import while the server was down are re-evaluated, quietly.
      return run("stale", lastVersion === undefined ? "" : "advisories changed; ");
    });

  const tick = async (): Promise<void> => {
    try {
      await check();
    } catch (error) {
      log(`strata server: warning: re-evaluation after an advisory change failed: ${errorMessage(error)}`);
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), checkIntervalMs);
      timer.unref();
    }
  };

  return {
    reevaluateAll: () => {
      fullRun ??= serially(() => run("all", "")).finally(() => {
        fullRun = undefined;
      });
      return fullRun;
    },
    check,
    start: () => {
      stopped = false;
      timer = setTimeout(() => void tick(), 0);
      timer.unref();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await tail;
    },
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
