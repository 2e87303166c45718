import type { Readable, Transform } from "node:stream";
import { createRequire } from "node:module";
import { createGunzip } from "node:zlib";
import type * as ZstdNapi from "zstd-napi";

// The native zstd binding is loaded on the first zstd layer: most images and every cached rescan need none.
const require = createRequire(import.meta.url);
let zstd: typeof ZstdNapi | undefined;

export type Compression = "gzip" | "zstd" | "none";

const gzipMagic = [0x1f, 0x8b];
const zstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

export function detectCompression(head: Buffer): Compression {
  if (startsWith(head, gzipMagic)) return "gzip";
  if (startsWith(head, zstdMagic)) return "zstd";
  return "none";
}

/** A decompressor for the detected format, or undefined for a plain tar. */
export function decompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case "gzip":
      // The default 16 KiB chunk size costs several times the throughput on large layers.
      return createGunzip({ chunkSize: 1 << 18 });
    case "zstd":
      // 2^27 = 128 MiB window, what `zstd --long=27` writes; larger windows are refused, not buffered.
      zstd ??= require("zstd-napi") as typeof ZstdNapi;
      return new zstd.DecompressStream({ windowLogMax: 27 });
    case "none":
      return undefined;
  }
}

/** Reads the first bytes of a stream and puts them back, so the stream can still be piped whole. */
export function peekHead(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off("readable", onReadable);
      stream.off("end", onEnd);
      stream.off("error", onError);
    };
    const onReadable = (): void => {
      const chunk: unknown = stream.read();
      if (chunk === null) return;
      cleanup();
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(typeof chunk === "string" ? chunk : "");
      stream.unshift(buffer);
      resolve(buffer);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.alloc(0));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    stream.on("readable", onReadable);
    stream.once("end", onEnd);
    stream.once("error", onError);
  });
}

function startsWith(head: Buffer, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}
