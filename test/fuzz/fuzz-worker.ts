import { parentPort, workerData } from "node:worker_threads";
import { fuzz, type FuzzJob } from "./fuzz-run.ts";
import { fuzzTargets } from "./targets.ts";

function isJob(value: unknown): value is FuzzJob {
  return (
    typeof value === "object" &&
    value !== null &&
    "seed" in value &&
    "targets" in value &&
    "state" in value &&
    value.state instanceof SharedArrayBuffer
  );
}

const port = parentPort;
if (port === null || !isJob(workerData)) throw new Error("fuzz-worker.ts runs as a worker of parsers.test.ts");
await fuzz(workerData, fuzzTargets(), (message) => {
  port.postMessage(message);
});
