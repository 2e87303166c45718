/**
 * `strata sensor`: sets up the data folder (upload queue, scan state, lock), then runs the mode. General and
 * registry modes pass over their images every `interval` while a drainer uploads in the background; with
 * `once`, one pass and a flush. CI mode scans one image. A stop (the signal) ends the current scan, keeps the
 * queue, and returns.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage, InputError } from "../errors.ts";
import type { RuntimeOptions } from "../source/runtime/options.ts";
import { type HeldLock, tryLock } from "../upload/lock.ts";
import { UploadQueue } from "../upload/queue.ts";
import { Uploader } from "../upload/upload.ts";
import { runCi } from "./ci.ts";
import type { SensorConfig } from "./config.ts";
import type { SensorContext } from "./context.ts";
import { Drainer } from "./drainer.ts";
import { generalPass, type PassSummary, watchedRuntimes } from "./general.ts";
import type { SensorLogger } from "./log.ts";
import { registryAccess, registryPass } from "./registry.ts";
import { ScanState } from "./state.ts";

export interface SensorOutcome {
  /** Inventories not delivered when the sensor stopped: still queued, or rejected during this run. */
  undelivered: number;
  /** CI mode: a finding at or above --fail-on. */
  policyFailed: boolean;
  /** CI mode: a layer could not be read in full. */
  incomplete: boolean;
}

export interface SensorRun {
  log: SensorLogger;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Drainer backoff (tests shorten it). */
  retryBaseMs?: number;
}

export async function runSensor(config: SensorConfig, run: SensorRun): Promise<SensorOutcome> {
  const { log, signal } = run;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Two sensors on one data folder would scan the same images; CI runs share nothing but the queue.
  let lock: HeldLock | undefined;
  if (config.mode !== "ci") {
    lock = await tryLock(join(config.dataDir, "sensor.lock"));
    if (!lock) throw new InputError(`another sensor is running with the data folder ${config.dataDir}`);
  }
  let rejected = 0;
  const uploader = new Uploader(
    { url: config.url, token: config.token },
    { env: run.env, timeouts: { connectMs: 10_000, headersMs: 120_000 } },
  );
  try {
    const queue = await UploadQueue.open(
      join(config.dataDir, "queue"),
      { maxEntries: config.queueMaxEntries, maxBytes: config.queueMaxBytes },
      {
        onDelivered: (entry, receipt) => {
          log.info(
            {
              event: "uploaded",
              entry: entry.name,
              id: receipt.id,
              created: receipt.created,
              packages: receipt.packages,
              findings: receipt.findings,
            },
            "uploaded inventory",
          );
        },
        onRejected: (entry, error) => {
          rejected++;
          log.error(
            { event: "rejected", entry: entry.name, status: error.status, error: error.message },
            "the backend rejected the inventory; it is kept in rejected/",
          );
        },
        onDropped: (entry, why) => {
          log.warn(
            { event: "dropped", entry: entry.name, bytes: entry.size, why },
            "dropped the oldest queued inventory",
          );
        },
      },
    );
    const drainer = new Drainer(queue, uploader, log, run.retryBaseMs === undefined ? {} : { baseMs: run.retryBaseMs });
    const context: SensorContext = {
      config,
      log,
      queue,
      drainer,
      signal,
      env: run.env,
      runtime: runtimeOptions(config, run.env),
    };
    log.info(
      {
        event: "started",
        mode: config.mode,
        backend: uploader.url,
        dataDir: config.dataDir,
        queued: (await queue.entries()).length,
      },
      "sensor started",
    );
    if (config.mode === "ci") {
      const outcome = await runCi(context, registryAccess(context));
      return {
        undelivered: outcome.delivered || outcome.stopped ? 0 : 1,
        policyFailed: outcome.policyFailed,
        incomplete: outcome.incomplete,
      };
    }
    const remaining = await watch(context, config.mode);
    return { undelivered: config.once ? remaining + rejected : 0, policyFailed: false, incomplete: false };
  } finally {
    await uploader.close();
    await lock?.release();
  }
}

function runtimeOptions(config: SensorConfig, env: NodeJS.ProcessEnv): RuntimeOptions {
  return {
    env,
    ...(config.dockerHost === undefined ? {} : { dockerHost: config.dockerHost }),
    ...(config.containerdRoot === undefined ? {} : { containerdRoot: config.containerdRoot }),
    ...(config.namespace === undefined ? {} : { containerdNamespace: config.namespace }),
    ...(config.storageRoot === undefined ? {} : { storageRoot: config.storageRoot }),
  };
}

/** Passes every interval until stopped (or one pass with `once`); returns how many inventories stay queued. */
async function watch(context: SensorContext, mode: "general" | "registry"): Promise<number> {
  const { config, log, signal, queue, drainer } = context;
  const loaded = await ScanState.load(join(config.dataDir, `scanned-${mode}.json`));
  if (loaded.warning !== undefined) log.warn({ event: "state-reset" }, loaded.warning);
  const state = loaded.state;
  const pass = (): Promise<PassSummary> =>
    mode === "general" ? generalPass(context, state) : registryPass(context, state);
  if (mode === "general") {
    log.info({ event: "watching", runtimes: await watchedRuntimes(context), known: state.size }, "watching runtimes");
  } else {
    log.info({ event: "watching", registry: config.registry, known: state.size }, "watching the registry");
  }

  if (config.once) {
    await pass();
    const remaining = signal.aborted
      ? (await queue.entries()).length
      : await drainer.flush(config.flushTimeout, signal);
    if (remaining > 0) {
      log.error(
        { event: "undelivered", queued: remaining, queue: queue.dir },
        `${remaining} inventories could not be delivered within ${config.flushTimeout / 1000} s; they stay queued for the next run`,
      );
    }
    return remaining;
  }

  const draining = drainer.run(signal);
  while (!signal.aborted) {
    try {
      await pass();
    } catch (error) {
      log.error({ event: "pass-failed", error: errorMessage(error) }, "the pass failed; trying again next interval");
    }
    await sleep(config.interval, undefined, { signal }).catch(() => undefined);
  }
  await draining;
  const remaining = (await queue.entries()).length;
  log.info({ event: "stopped", queued: remaining }, remaining > 0 ? "stopped; queued inventories are kept" : "stopped");
  return 0;
}
