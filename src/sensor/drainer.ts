/**
 * Empties the upload queue into the backend: in the background while the sensor runs (woken when an entry
 * is queued, backing off while the backend is unavailable), or once with a deadline before the sensor exits.
 */
import { errorMessage } from "../errors.ts";
import type { DrainResult, UploadQueue } from "../upload/queue.ts";
import type { Uploader } from "../upload/upload.ts";
import type { SensorLogger } from "./log.ts";

export interface DrainerBackoff {
  /** Default 2 s; doubled on each failed drain, with jitter. */
  baseMs: number;
  /** Default 5 min. */
  maxMs: number;
}

interface Step {
  remaining: number;
  /** Wait this long before the next drain. */
  retryInMs?: number;
}

export class Drainer {
  private readonly queue: UploadQueue;
  private readonly uploader: Uploader;
  private readonly log: SensorLogger;
  private readonly backoff: DrainerBackoff;
  private failures = 0;
  private woken = false;
  private wakeWaiter: (() => void) | undefined;

  constructor(queue: UploadQueue, uploader: Uploader, log: SensorLogger, backoff: Partial<DrainerBackoff> = {}) {
    this.queue = queue;
    this.uploader = uploader;
    this.log = log;
    this.backoff = { baseMs: backoff.baseMs ?? 2000, maxMs: backoff.maxMs ?? 5 * 60_000 };
  }

  /** An entry was queued: drain now, unless the drainer is backing off. */
  wake(): void {
    this.woken = true;
    this.wakeWaiter?.();
  }

  /** Drains whenever there is something to send, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      const step = await this.step(signal);
      if (step.retryInMs !== undefined) await this.pause(step.retryInMs, signal, false);
      else if (step.remaining === 0) await this.pause(Number.POSITIVE_INFINITY, signal, true);
    }
  }

  /** Drains until the queue is empty or `timeoutMs` has passed; returns how many entries are left. */
  async flush(timeoutMs: number, signal: AbortSignal): Promise<number> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    for (;;) {
      const step = await this.step(deadline);
      if (step.remaining === 0 || deadline.aborted) return step.remaining;
      if (step.retryInMs !== undefined) await this.pause(step.retryInMs, deadline, false);
    }
  }

  private async step(signal: AbortSignal): Promise<Step> {
    let result: DrainResult;
    try {
      result = await this.queue.drain((body) => this.uploader.uploadCompressed(body, signal), signal);
    } catch (error) {
      const remaining = (await this.queue.entries()).length;
      if (signal.aborted) return { remaining };
      this.log.error(
        { event: "drain-failed", queued: remaining, error: errorMessage(error) },
        "could not drain the queue",
      );
      return { remaining, retryInMs: this.nextDelay() };
    }
    if (result.busy) {
      this.log.debug({ event: "queue-busy", queued: result.remaining }, "another process is draining the queue");
      return { remaining: result.remaining, retryInMs: this.backoff.baseMs };
    }
    const stopped = result.stoppedBy;
    if (stopped === undefined) {
      this.failures = 0;
      return { remaining: result.remaining };
    }
    const retryInMs = Math.min(stopped.retryAfterMs ?? this.nextDelay(), this.backoff.maxMs);
    if (stopped.retryAfterMs !== undefined) this.failures++;
    const fields = {
      event: "upload-deferred",
      queued: result.remaining,
      failure: stopped.failure,
      error: stopped.message,
      retryInMs,
    };
    if (stopped.failure === "unauthorized")
      this.log.error(fields, "the backend refuses this sensor; inventories stay queued");
    else this.log.warn(fields, "the backend is unavailable; inventories stay queued");
    return { remaining: result.remaining, retryInMs };
  }

  private nextDelay(): number {
    this.failures++;
    const exponential = this.backoff.baseMs * 2 ** Math.min(this.failures - 1, 20);
    return Math.min(exponential * (0.5 + Math.random() / 2), this.backoff.maxMs);
  }

  /** Waits `ms`, or until `signal` aborts, or (when `wakeable`) until wake() is called. */
  private pause(ms: number, signal: AbortSignal, wakeable: boolean): Promise<void> {
    if (signal.aborted || (wakeable && this.woken)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener("abort", done);
        if (this.wakeWaiter === done) this.wakeWaiter = undefined;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      signal.addEventListener("abort", done, { once: true });
      if (wakeable) this.wakeWaiter = done;
    });
  }
}
