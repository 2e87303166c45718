/**
 * sha256 of file ranges, computed on a worker thread with large sequential reads, so that checking a layer
 * blob against its digest runs beside the header walk instead of inside it.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { InputError, InternalError } from "../errors.ts";
import type { FileRange } from "./file-range.ts";

const chunkBytes = 1 << 20;

/**
 * Plain CommonJS, evaluated in the worker: it must run the same from TypeScript sources and from dist/, and
 * without the parent's loader flags.
 */
const workerSource = `
const { parentPort } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash } = require("node:crypto");
const chunk = Buffer.allocUnsafe(${chunkBytes});
parentPort.on("message", (job) => {
  let fd;
  try {
    fd = openSync(job.path, "r");
    const hash = createHash("sha256");
    for (let at = job.start; at < job.end; ) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, job.end - at), at);
      if (read === 0) throw new Error("the file ends before the layer does");
      hash.update(read === chunk.length ? chunk : chunk.subarray(0, read));
      at += read;
    }
    parentPort.postMessage({ id: job.id, digest: "sha256:" + hash.digest("hex") });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface Waiting {
  resolve: (digest: string) => void;
  reject: (error: Error) => void;
}

/** Queues ranges on one worker (first in, first out); falls back to this thread when no worker can start. */
export class RangeDigester {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();

  /** "sha256:<hex>" of the bytes in the range; rejects when the file cannot be read to the range's end. */
  sha256(range: FileRange): Promise<string> {
    const worker = this.failed ? undefined : this.start();
    if (!worker) return sha256InThread(range);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // A busy worker keeps the process alive; an idle one must not.
      worker.ref();
      worker.postMessage({ id, path: range.path, start: range.start, end: range.end });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(workerSource, { eval: true, execArgv: [], stdout: false, stderr: false });
      worker.on("message", (message: unknown) => {
        this.settle(message);
      });
      worker.on("error", (error) => {
        this.abandon(new InternalError("the digest worker failed", { cause: error }));
      });
      worker.on("exit", () => {
        this.abandon(new InternalError("the digest worker stopped"));
      });
      worker.unref();
      this.worker = worker;
      return worker;
    } catch {
      this.failed = true;
      return undefined;
    }
  }

  private settle(message: unknown): void {
    if (typeof message !== "object" || message === null || !("id" in message) || typeof message.id !== "number") {
      return;
    }
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if ("digest" in message && typeof message.digest === "string") waiting.resolve(message.digest);
    else {
      const reason = "error" in message && typeof message.error === "string" ? message.error : "no digest";
      waiting.reject(new InputError(`the digest worker failed: ${reason}`));
    }
  }

  private abandon(error: Error): void {
    this.worker = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

async function sha256InThread(range: FileRange): Promise<string> {
  const hash = createHash("sha256");
  const chunk = Buffer.allocUnsafe(chunkBytes);
  const handle = await open(range.path, "r");
  try {
    for (let at = range.start; at < range.end; ) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, range.end - at), at);
      if (bytesRead === 0) throw new InputError("the file ends before the layer does");
      hash.update(chunk.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return `sha256:${hash.digest("hex")}`;
}
