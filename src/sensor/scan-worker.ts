// Worker thread entry (see scan-image.ts): runs one scan and reports back; a stop message abandons it.
import { parentPort, workerData } from "node:worker_threads";
import { InternalError } from "../errors.ts";
import { isSensorScan, isStopMessage, reportError, type ScanReply } from "./scan-messages.ts";
import { scanInThisThread } from "./scan-in-thread.ts";

const port = parentPort;
const scan: unknown = workerData;
if (!port || !isSensorScan(scan)) throw new InternalError("scan-worker.ts runs only as a worker, with a scan");
const stop = new AbortController();
port.on("message", (message: unknown) => {
  if (isStopMessage(message)) stop.abort();
});
let reply: ScanReply;
try {
  const inventory = await scanInThisThread(scan, stop.signal);
  reply = inventory === undefined ? { kind: "stopped" } : { kind: "done", inventory };
} catch (error) {
  reply = { kind: "failed", error: reportError(error) };
}
port.postMessage(reply);
port.close();
