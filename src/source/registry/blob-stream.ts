/**
 * A blob download that survives broken connections. When the body fails mid-way, the blob is asked for again
 * from the first byte not yet passed on (`Range: bytes=N-`). A registry that ignores the range and sends the
 * whole blob (200) is read from the start: its first N bytes must hash to what was already passed on, and are
 * dropped. The hash runs over every byte passed on, so a blob pieced together is checked against its digest.
 */
import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage, InputError, SourceError } from "../../errors.ts";
import { type HttpResponse, headerValue, type ResponseBody } from "./http.ts";
import { failure } from "./response.ts";

export interface ResumableBlobOptions {
  /** "blob sha256:… of registry/repository", for messages. */
  what: string;
  digest: string;
  /** The blob's size, when the manifest or the first response said it. */
  size: number | undefined;
  /** Asks for the blob again from `offset` (with a Range header when offset > 0). */
  reopen: (offset: number) => Promise<HttpResponse>;
  /** Breaks in a row, with no byte received between them, before giving up. */
  maxBreaks: number;
  /** The wait before resuming after the `breaks`th break in a row. */
  delayMs: (breaks: number) => number;
}

/** Bytes of a restarted (200) body that were passed on already: dropped, but hashed to prove they match. */
interface Replay {
  left: number;
  hash: Hash;
}

export class ResumableBlob extends Readable {
  private readonly options: ResumableBlobOptions;
  private readonly hash: Hash;
  private body: ResponseBody | undefined;
  private delivered = 0;
  private breaks = 0;
  private pieced = false;
  private replay: Replay | undefined;

  constructor(first: ResponseBody, options: ResumableBlobOptions) {
    super({ highWaterMark: 1 << 20 });
    this.options = options;
    this.hash = createHash(algorithmOf(options.digest));
    this.attach(first);
  }

  override _read(): void {
    this.body?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const { body } = this;
    this.body = undefined;
    body?.destroy();
    callback(error);
  }

  private attach(body: ResponseBody): void {
    this.body = body;
    body.on("data", (chunk: Buffer) => {
      if (body === this.body) this.received(body, chunk);
    });
    body.on("end", () => {
      if (body === this.body) this.ended();
    });
    // Kept for the body's whole life: an error after it was replaced or destroyed is ignored, not thrown.
    body.on("error", (error: Error) => {
      if (body === this.body) this.broke(error);
    });
  }

  private received(body: ResponseBody, chunk: Buffer): void {
    let bytes = chunk;
    if (this.replay !== undefined) {
      bytes = this.skipReplayed(bytes);
      if (this.destroyed || bytes.length === 0) return;
    }
    this.breaks = 0;
    this.delivered += bytes.length;
    const { size, what } = this.options;
    if (size !== undefined && this.delivered > size) {
      this.destroy(new InputError(`${what} is longer than the ${size} bytes the manifest says`));
      return;
    }
    this.hash.update(bytes);
    if (!this.push(bytes)) body.pause();
  }

  private skipReplayed(chunk: Buffer): Buffer {
    const replay = this.replay;
    if (replay === undefined) return chunk;
    const dropped = chunk.subarray(0, replay.left);
    replay.hash.update(dropped);
    replay.left -= dropped.length;
    if (replay.left > 0) return Buffer.alloc(0);
    this.replay = undefined;
    if (replay.hash.digest("hex") !== this.hash.copy().digest("hex")) {
      this.destroy(
        new InputError(
          `${this.options.what}: sent again from the start, its first ${this.delivered} bytes differ from those read before the connection broke`,
        ),
      );
    }
    return chunk.subarray(dropped.length);
  }

  private ended(): void {
    const { size, what, digest } = this.options;
    if (this.replay !== undefined || (size !== undefined && this.delivered < size)) {
      this.broke(new Error(`the body ended after ${this.delivered} of ${size ?? "?"} bytes`));
      return;
    }
    this.body = undefined;
    // An unbroken download is the registry's own bytes; whoever reads it checks the digest (or chose not to).
    if (this.pieced) {
      const actual = `${algorithmOf(digest)}:${this.hash.digest("hex")}`;
      if (actual !== digest) {
        this.destroy(new InputError(`${what}: pieced together after a broken connection, it has digest ${actual}`));
        return;
      }
    }
    this.push(null);
  }

  private broke(error: Error): void {
    this.body = undefined;
    if (this.destroyed) return;
    const { size, what, maxBreaks } = this.options;
    if (size !== undefined && this.delivered === size && this.replay === undefined) {
      this.ended();
      return;
    }
    this.breaks += 1;
    if (this.breaks > maxBreaks) {
      this.destroy(
        new SourceError(
          `${what}: the download broke at byte ${this.delivered} ${this.breaks} times in a row: ${errorMessage(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    this.pieced = true;
    this.reconnect().catch((resumeError: unknown) => {
      this.destroy(resumeError instanceof Error ? resumeError : new SourceError(errorMessage(resumeError)));
    });
  }

  private isGone(): boolean {
    return this.destroyed;
  }

  private async reconnect(): Promise<void> {
    await sleep(this.options.delayMs(this.breaks));
    if (this.isGone()) return;
    const offset = this.delivered;
    const response = await this.options.reopen(offset);
    // The reader may have destroyed the stream while the request was on its way.
    if (this.isGone()) {
      response.body.destroy();
      return;
    }
    const { what, size } = this.options;
    if (response.status === 200 || (response.status === 206 && offset === 0)) {
      if (offset > 0) this.replay = { left: offset, hash: createHash(algorithmOf(this.options.digest)) };
    } else if (response.status === 206) {
      const range = parseContentRange(headerValue(response.headers, "content-range"));
      if (range?.start !== offset || (size !== undefined && range.total !== undefined && range.total !== size)) {
        response.body.destroy();
        throw new SourceError(
          `${what}: asked to resume at byte ${offset}, the registry sent the range ${headerValue(response.headers, "content-range") ?? "(none)"}`,
        );
      }
    } else {
      throw await failure(response, `${what}, resumed at byte ${offset}`);
    }
    this.attach(response.body);
  }
}

function algorithmOf(digest: string): "sha256" | "sha512" {
  return digest.startsWith("sha512:") ? "sha512" : "sha256";
}

/** `bytes START-END/TOTAL` (TOTAL may be `*`). */
export function parseContentRange(header: string | undefined): { start: number; total?: number } | undefined {
  const match = /^\s*bytes\s+(\d+)-\d+\/(\d+|\*)\s*$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const total = match[2] === undefined || match[2] === "*" ? undefined : Number(match[2]);
  return { start: Number(match[1]), ...(total === undefined ? {} : { total }) };
}
