/**
 * One scan for the sensor, in a worker thread. In the sensor's own thread an abandoned scan would run on
 * until it next awaits, or to its end when its source cannot cut reads short (containers-storage reads
 * files in place), and the process could not exit before it; a worker can be ended at once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { InternalError } from "../errors.ts";
import type { Inventory } from "../model/inventory.ts";
import type { SensorScan } from "./scan-in-thread.ts";
import { isScanReply, reviveError, type StopMessage } from "./scan-messages.ts";

export type { SensorScan } from "./scan-in-thread.ts";

/** How long a stopped worker may take to close its source before it is ended. */
const stopGraceMs = 300;

/**
 * Scans the image in a worker; resolves undefined when `signal` aborts first. The worker is then asked to
 * close its source (which removes what the source spooled) and is ended if it has not stopped within
 * stopGraceMs. Either way it is gone when this resolves; of the partial scan only the layer cache's finished
 * entries remain.
 */
export async function scanForSensor(scan: SensorScan, signal: AbortSignal): Promise<Inventory | undefined> {
  signal.throwIfAborted();
  // What a source spools (a docker save) goes in a folder of this scan's, removed here even when the worker
  // was ended before it could clean up.
  const spool = await mkdtemp(join(scan.source.runtime?.spoolDir ?? tmpdir(), "strata-sensor-scan-"));
  const spooled = { ...scan, source: { ...scan.source, runtime: { ...scan.source.runtime, spoolDir: spool } } };
  try {
    return await scanInWorker(spooled, signal);
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}

function scanInWorker(scan: SensorScan, signal: AbortSignal): Promise<Inventory | undefined> {
  const worker = new Worker(bootstrap(), { eval: true, workerData: scan });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      // The result is in hand: idle keep-alive sockets or timers must not hold the worker.
      void worker.terminate().then(finish, finish);
    };
    const abort = (): void => {
      worker.postMessage({ kind: "stop" } satisfies StopMessage);
      setTimeout(() => void worker.terminate(), stopGraceMs).unref();
    };
    signal.addEventListener("abort", abort, { once: true });
    // A stop that came while the spool folder was being made.
    if (signal.aborted) abort();
    worker.on("message", (message: unknown) => {
      if (!isScanReply(message)) return;
      if (message.kind === "done") {
        const { inventory } = message;
        settle(() => {
          resolve(inventory);
        });
      } else if (message.kind === "failed") {
        const error = reviveError(message.error);
        settle(() => {
          reject(error);
        });
      } else {
        settle(() => {
          resolve(undefined);
        });
      }
    });
    worker.once("error", (error) => {
      settle(() => {
        reject(new InternalError(`the scan worker failed: ${error.message}`, { cause: error }));
      });
    });
    worker.once("exit", (code) => {
      settle(() => {
        if (signal.aborted) resolve(undefined);
        else reject(new InternalError(`the scan worker stopped (exit code ${code}) before it reported`));
      });
    });
  });
}

/** Source of the worker: the built scan-worker.js, or scan-worker.ts through tsx when running from source. */
function bootstrap(): string {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url).href;
  if (!fromSource) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}
