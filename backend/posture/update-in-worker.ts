import { Worker } from "node:worker_threads";
import { SourceError } from "../../src/errors.ts";
import type { RetryPolicy } from "../../src/vulndb/download.ts";

/** What the worker is asked to do: `updateDatabase` from src/vulndb, with plain data only. */
export interface UpdateRequest {
  dbPath: string;
  ecosystems: string[];
  baseUrl: string;
  cacheDir: string;
  /** ISO time */
  now: string;
  retry?: RetryPolicy;
}

export interface EcosystemOutcome {
  ecosystem: string;
  outcome: "imported" | "not-modified";
  imported: number;
  unchanged: number;
  invalid: number;
}

export interface UpdateSummary {
  updated: EcosystemOutcome[];
  failed: { ecosystem: string; message: string }[];
}

export type WorkerMessage = { kind: "log"; line: string } | { kind: "done"; summary: UpdateSummary };

/**
 * Runs an advisory update in a worker thread: importing an osv.dev export parses and writes tens of
 * thousands of records synchronously, which on the server's own thread would hold up every request for
 * seconds. The worker has its own connection to the advisory database. `signal` ends it early.
 */
export function updateInWorker(
  request: UpdateRequest,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<UpdateSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap(), { eval: true, workerData: request });
    let summary: UpdateSummary | undefined;
    const abort = (): void => void worker.terminate();
    signal?.addEventListener("abort", abort, { once: true });
    worker.on("message", (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.kind === "log") {
        log(message.line);
        return;
      }
      // The update is done and its database closed; idle keep-alive sockets need not hold the worker.
      summary = message.summary;
      resolve(summary);
      void worker.terminate();
    });
    worker.once("error", (error) => {
      reject(new SourceError(`the advisory update failed: ${error.message}`, { cause: error }));
    });
    worker.once("exit", (code) => {
      signal?.removeEventListener("abort", abort);
      if (summary) resolve(summary);
      else reject(new SourceError(`the advisory update stopped (worker exit code ${code}) before it finished`));
    });
  });
}

/** Source of the worker: the built update-worker.js, or update-worker.ts through tsx when running from source. */
function bootstrap(): string {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./update-worker.ts" : "./update-worker.js", import.meta.url).href;
  if (!fromSource) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isOutcome(value: unknown): value is EcosystemOutcome {
  return (
    isRecord(value) &&
    typeof value["ecosystem"] === "string" &&
    (value["outcome"] === "imported" || value["outcome"] === "not-modified") &&
    typeof value["imported"] === "number" &&
    typeof value["unchanged"] === "number" &&
    typeof value["invalid"] === "number"
  );
}

function isFailure(value: unknown): value is UpdateSummary["failed"][number] {
  return isRecord(value) && typeof value["ecosystem"] === "string" && typeof value["message"] === "string";
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!isRecord(value)) return false;
  if (value["kind"] === "log") return typeof value["line"] === "string";
  if (value["kind"] !== "done" || !isRecord(value["summary"])) return false;
  const { updated, failed } = value["summary"];
  return Array.isArray(updated) && updated.every(isOutcome) && Array.isArray(failed) && failed.every(isFailure);
}

export function isUpdateRequest(value: unknown): value is UpdateRequest {
  return (
    isRecord(value) &&
    typeof value["dbPath"] === "string" &&
    Array.isArray(value["ecosystems"]) &&
    value["ecosystems"].every((name) => typeof name === "string") &&
    typeof value["baseUrl"] === "string" &&
    typeof value["cacheDir"] === "string" &&
    typeof value["now"] === "string" &&
    (value["retry"] === undefined || isRetryPolicy(value["retry"]))
  );
}

function isRetryPolicy(value: unknown): value is RetryPolicy {
  return (
    isRecord(value) &&
    ["attempts", "baseDelayMs", "maxDelayMs", "deadlineMs"].every((key) => typeof value[key] === "number")
  );
}
