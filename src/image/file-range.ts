/**
 * A layer stream that is only a byte range of a file on this machine (a blob inside a docker save tarball,
 * a blob file of an OCI layout) can be read in place by offset instead of being streamed.
 */
import { ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { detectCompression } from "./decompress.ts";

export interface FileRange {
  path: string;
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * The file range a stream would read, when it is an untouched fs.ReadStream of a named file; undefined for
 * any other stream (network, decompressor, a stream opened on a descriptor or already read from).
 */
export async function fileRangeOf(stream: Readable): Promise<FileRange | undefined> {
  if (!(stream instanceof ReadStream) || typeof stream.path !== "string" || stream.bytesRead > 0) return undefined;
  // createReadStream's start and end options (end inclusive, Infinity when open-ended) stay on the stream.
  const start: unknown = Reflect.get(stream, "start") ?? 0;
  const end: unknown = Reflect.get(stream, "end");
  if (typeof start !== "number" || !Number.isSafeInteger(start) || start < 0 || typeof end !== "number") {
    return undefined;
  }
  if (end === Number.POSITIVE_INFINITY) {
    const handle = await open(stream.path, "r");
    try {
      return { path: stream.path, start, end: Math.max(start, (await handle.stat()).size) };
    } finally {
      await handle.close();
    }
  }
  return Number.isSafeInteger(end) && end + 1 >= start ? { path: stream.path, start, end: end + 1 } : undefined;
}

/** Whether the range holds a plain (uncompressed) tar, judged by its first bytes as the streaming walk judges. */
export async function isPlainTar(range: FileRange): Promise<boolean> {
  const head = Buffer.alloc(Math.min(8, range.end - range.start));
  const handle = await open(range.path, "r");
  try {
    const { bytesRead } = await handle.read(head, 0, head.length, range.start);
    return detectCompression(head.subarray(0, bytesRead)) === "none";
  } finally {
    await handle.close();
  }
}
