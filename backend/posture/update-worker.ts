// Worker thread entry (see update-in-worker.ts): runs one advisory update and reports back.
import { parentPort, workerData } from "node:worker_threads";
import { InternalError } from "../../src/errors.ts";
import { updateDatabase } from "../../src/vulndb/update.ts";
import { isUpdateRequest, type UpdateSummary, type WorkerMessage } from "./update-in-worker.ts";

const port = parentPort;
const request: unknown = workerData;
if (!port || !isUpdateRequest(request))
  throw new InternalError("update-worker.ts runs only as a worker, with a request");
const post = (message: WorkerMessage): void => {
  port.postMessage(message);
};

const report = await updateDatabase({
  dbPath: request.dbPath,
  ecosystems: request.ecosystems,
  baseUrl: request.baseUrl,
  cacheDir: request.cacheDir,
  now: new Date(request.now),
  ...(request.retry ? { retry: request.retry } : {}),
  log: (line) => {
    post({ kind: "log", line });
  },
});
const summary: UpdateSummary = {
  updated: report.updated.map((update) => ({
    ecosystem: update.ecosystem,
    outcome: update.outcome,
    imported: update.stats?.imported ?? 0,
    unchanged: update.stats?.unchanged ?? 0,
    invalid: update.stats?.invalid ?? 0,
  })),
  failed: report.failed.map((failure) => ({ ecosystem: failure.ecosystem, message: failure.error.message })),
};
post({ kind: "done", summary });
