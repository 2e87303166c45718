/**
 * A durable upload queue in a directory. Each entry is one gzip'd inventory, `<time>-<random>.json.gz`,
 * written to a temporary file, synced and renamed, so an entry is whole or absent after a crash. A drain
 * sends entries oldest first under a lock file, so two processes never send the same entry: delivered
 * entries are deleted, entries the server refuses for good go to `rejected/` with the reason, and anything
 * else leaves the entry for a later drain. The queue is bounded; the oldest entries make room.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LimitError } from "../errors.ts";
import { syncDirectory, writeFileDurably } from "./durable-write.ts";
import { errorCode, isProcessAlive } from "./error-code.ts";
import { tryLock } from "./lock.ts";
import { UploadError, type UploadReceipt } from "./upload.ts";

export interface QueueLimits {
  /** Default 1000. */
  maxEntries: number;
  /** Default 256 MiB. */
  maxBytes: number;
  /** Entries kept in `rejected/`; default 100. */
  maxRejected: number;
}

export const defaultQueueLimits: QueueLimits = { maxEntries: 1000, maxBytes: 256 * 1024 * 1024, maxRejected: 100 };

export interface QueueEntry {
  name: string;
  size: number;
}

export interface QueueEvents {
  /** An entry was dropped to keep the queue within its limits: it will never be sent. */
  onDropped?: (entry: QueueEntry, why: string) => void;
  onDelivered?: (entry: QueueEntry, receipt: UploadReceipt) => void;
  onRejected?: (entry: QueueEntry, error: UploadError) => void;
}

/** Sends one entry's bytes; throws UploadError when they are not accepted. */
export type SendEntry = (body: Uint8Array, entry: QueueEntry) => Promise<UploadReceipt>;

export interface DrainResult {
  /** Another process holds the queue's lock: nothing was sent. */
  busy: boolean;
  delivered: number;
  rejected: number;
  /** Entries still waiting. */
  remaining: number;
  /** Why the drain stopped before the queue was empty. */
  stoppedBy?: UploadError;
}

const entryPattern = /^\d{15}-[0-9a-f]{12}\.json\.gz$/;
const tempPrefix = ".tmp-";
/** A temporary file whose writer cannot be checked (another host, or a reused pid) is left this long. */
const tempGraceMs = 60 * 60 * 1000;

export class UploadQueue {
  readonly dir: string;
  private readonly limits: QueueLimits;
  private readonly events: QueueEvents;
  private lastTime = 0;

  private constructor(dir: string, limits: QueueLimits, events: QueueEvents) {
    this.dir = dir;
    this.limits = limits;
    this.events = events;
  }

  /** Creates the directory if needed and removes temporary files that crashed writers left behind. */
  static async open(dir: string, limits: Partial<QueueLimits> = {}, events: QueueEvents = {}): Promise<UploadQueue> {
    await mkdir(join(dir, "rejected"), { recursive: true, mode: 0o700 });
    const queue = new UploadQueue(dir, { ...defaultQueueLimits, ...limits }, events);
    await queue.removeDeadTemporaries();
    return queue;
  }

  /** Adds an entry durably and returns its name; the oldest entries are dropped if the queue is over its limits. */
  async enqueue(body: Uint8Array): Promise<QueueEntry> {
    if (body.length > this.limits.maxBytes) {
      throw new LimitError(
        `an upload of ${body.length} bytes does not fit in the queue's ${this.limits.maxBytes}-byte limit`,
      );
    }
    const name = `${this.nextTime().toString().padStart(15, "0")}-${randomBytes(6).toString("hex")}.json.gz`;
    await writeFileDurably(
      join(this.dir, name),
      body,
      join(this.dir, `${tempPrefix}${process.pid}-${randomBytes(6).toString("hex")}`),
    );
    const entry = { name, size: body.length };
    await this.trim(name);
    return entry;
  }

  /** The waiting entries, oldest first. */
  async entries(): Promise<QueueEntry[]> {
    return listEntries(this.dir);
  }

  /** The entries refused for good, with the reason, oldest first. */
  async rejected(): Promise<{ name: string; reason: string }[]> {
    const out: { name: string; reason: string }[] = [];
    for (const entry of await listEntries(join(this.dir, "rejected"))) {
      const reason = await readFile(join(this.dir, "rejected", `${entry.name}.reason`), "utf8").catch(() => "");
      out.push({ name: entry.name, reason: reason.trim() });
    }
    return out;
  }

  /**
   * Sends entries oldest first until the queue is empty, an entry cannot be sent now (the server is
   * unavailable, or refuses the sender), or `signal` aborts. Entries enqueued meanwhile are sent too.
   */
  async drain(send: SendEntry, signal?: AbortSignal): Promise<DrainResult> {
    const lock = await tryLock(join(this.dir, ".lock"));
    if (!lock) return { busy: true, delivered: 0, rejected: 0, remaining: (await this.entries()).length };
    const result: DrainResult = { busy: false, delivered: 0, rejected: 0, remaining: 0 };
    try {
      await this.drainLocked(send, result, signal);
    } finally {
      await lock.release();
    }
    result.remaining = (await this.entries()).length;
    return result;
  }

  private async drainLocked(send: SendEntry, result: DrainResult, signal: AbortSignal | undefined): Promise<void> {
    const tried = new Set<string>();
    for (;;) {
      if (signal?.aborted) return;
      const entry = (await this.entries()).find((candidate) => !tried.has(candidate.name));
      if (!entry) return;
      tried.add(entry.name);
      const path = join(this.dir, entry.name);
      let body: Buffer;
      try {
        body = await readFile(path);
      } catch (error) {
        if (errorCode(error) === "ENOENT") continue; // dropped by a concurrent enqueue
        throw error;
      }
      let receipt: UploadReceipt;
      try {
        receipt = await send(body, entry);
      } catch (error) {
        if (!(error instanceof UploadError)) throw error;
        if (error.failure !== "rejected") {
          result.stoppedBy = error;
          return;
        }
        await this.reject(entry, error);
        result.rejected++;
        this.events.onRejected?.(entry, error);
        continue;
      }
      await removeEntry(this.dir, entry.name);
      result.delivered++;
      this.events.onDelivered?.(entry, receipt);
    }
  }

  private async reject(entry: QueueEntry, error: UploadError): Promise<void> {
    const rejected = join(this.dir, "rejected");
    const reason = `${new Date().toISOString()} ${error.status === undefined ? "" : `${error.status} `}${error.message}\n`;
    await writeFile(join(rejected, `${entry.name}.reason`), reason, { mode: 0o600 });
    await rename(join(this.dir, entry.name), join(rejected, entry.name));
    await syncDirectory(this.dir);
    const kept = await listEntries(rejected);
    for (const old of kept.slice(0, Math.max(0, kept.length - this.limits.maxRejected))) {
      await unlink(join(rejected, old.name)).catch(() => undefined);
      await unlink(join(rejected, `${old.name}.reason`)).catch(() => undefined);
    }
  }

  /** Drops the oldest entries (never `keep`) until the queue is within its limits. */
  private async trim(keep: string): Promise<void> {
    const entries = await this.entries();
    let count = entries.length;
    let bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
    for (const entry of entries) {
      if (count <= this.limits.maxEntries && bytes <= this.limits.maxBytes) return;
      if (entry.name === keep) continue;
      await removeEntry(this.dir, entry.name);
      count--;
      bytes -= entry.size;
      const why =
        count + 1 > this.limits.maxEntries
          ? `the queue holds more than ${this.limits.maxEntries} entries`
          : `the queue holds more than ${this.limits.maxBytes} bytes`;
      this.events.onDropped?.(entry, why);
    }
  }

  /** Same-millisecond entries still sort in the order they were made. */
  private nextTime(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return this.lastTime;
  }

  private async removeDeadTemporaries(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(tempPrefix)) continue;
      const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
      const path = join(this.dir, name);
      const age = await stat(path).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if ((Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) || age > tempGraceMs) {
        await unlink(path).catch(() => undefined);
      }
    }
  }
}

async function listEntries(dir: string): Promise<QueueEntry[]> {
  const names = (await readdir(dir)).filter((name) => entryPattern.test(name)).sort();
  const entries: QueueEntry[] = [];
  for (const name of names) {
    try {
      entries.push({ name, size: (await stat(join(dir, name))).size });
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
  }
  return entries;
}

async function removeEntry(dir: string, name: string): Promise<void> {
  try {
    await unlink(join(dir, name));
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  await syncDirectory(dir);
}
