import { createHash, type Hash } from "node:crypto";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ExtractEvents, extract, type Header } from "tar-stream";
import { errorMessage } from "../errors.ts";
import { decompressor, detectCompression, peekHead } from "./decompress.ts";
import type { InterestMatcher } from "./interest.ts";
import { emptyChanges, type LayerChanges } from "./layer-changes.ts";
import { imagePath } from "./paths.ts";
import { hasExecutableBit, isExecutableFormat } from "./executable.ts";
import { keepFile, type OnFile, wantsFor } from "./keep-file.ts";
import { keepLimit } from "./keep-limit.ts";

export interface TarWalkOptions<T> {
  matcher: InterestMatcher<T>;
  maxFileBytes: number;
  /** "sha256:<hex>" of the raw blob; checked as it streams. */
  expectedDigest?: string;
  /** Called with raw (as stored) bytes read so far. */
  onBytes?: (bytes: number) => void;
  onFile?: OnFile<T>;
}

type EntryBody = ExtractEvents["entry"][1];

const whiteoutPrefix = ".wh.";
const opaqueMarker = ".wh..wh..opq";

/** One streaming pass over a layer blob: keeps wanted files, records links and whiteouts. */
export async function walkTarLayer<T>(raw: Readable, options: TarWalkOptions<T>): Promise<LayerChanges> {
  const changes = emptyChanges();
  const meter = new RawMeter(options.expectedDigest, options.onBytes);
  const tar = extract();
  tar.on("entry", (header, body, next) => {
    changes.entries += 1;
    changes.bytes += header.size;
    const done = (error?: unknown): void => {
      if (error === undefined) next();
      else next(error instanceof Error ? error : new Error(errorMessage(error)));
    };
    handleEntry(header, body, changes, options).then(
      () => {
        done();
      },
      (error: unknown) => {
        done(error);
      },
    );
  });
  try {
    const head = await peekHead(raw);
    const inflate = decompressor(detectCompression(head));
    if (inflate) await pipeline(raw, meter, inflate, tar);
    else await pipeline(raw, meter, tar);
    const mismatch = meter.digestMismatch();
    if (mismatch) changes.issues.push({ severity: "error", message: mismatch });
  } catch (error) {
    changes.complete = false;
    changes.issues.push({
      severity: "error",
      message: `layer could not be read to the end after ${changes.entries} entries: ${describeStreamError(error)}`,
    });
  } finally {
    raw.destroy();
  }
  return changes;
}

async function handleEntry<T>(
  header: Header,
  body: EntryBody,
  changes: LayerChanges,
  options: TarWalkOptions<T>,
): Promise<void> {
  const path = imagePath(header.name);
  if (path === undefined) {
    if (header.name.split("/").includes("..")) {
      changes.issues.push({
        severity: "warning",
        message: "entry climbs out of the image root; ignored",
        path: header.name,
      });
    }
    return drain(body);
  }
  const slash = path.lastIndexOf("/");
  const basename = path.slice(slash + 1);
  if (basename.startsWith(whiteoutPrefix)) {
    const dir = path.slice(0, slash);
    if (basename === opaqueMarker) changes.opaqueDirs.push(dir === "" ? "/" : dir);
    else if (!basename.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
      changes.removed.push(`${dir}/${basename.slice(whiteoutPrefix.length)}`);
    }
    return drain(body);
  }
  // tar-stream reports unknown type flags as null, which its types leave out.
  const type = header.type as Header["type"] | null;
  switch (type) {
    case "symlink":
      changes.symlinks.set(path, header.linkname);
      changes.files.delete(path);
      return drain(body);
    case "link":
      linkHard(path, header.linkname, changes, options);
      return drain(body);
    case "file":
    case "contiguous-file":
    case null:
      changes.symlinks.delete(path);
      return collectFile(path, header, body, changes, options);
    case "directory":
    case "block-device":
    case "character-device":
    case "fifo":
      return drain(body);
  }
}

async function collectFile<T>(
  path: string,
  header: Header,
  body: EntryBody,
  changes: LayerChanges,
  options: TarWalkOptions<T>,
): Promise<void> {
  const named = options.matcher.match(path);
  const executable = hasExecutableBit(header.mode) && header.size >= 4 ? options.matcher.executables : [];
  const wants = [...named, ...executable];
  if (wants.length === 0) {
    changes.files.delete(path);
    return drain(body);
  }
  const limit = keepLimit(wants, options.maxFileBytes);
  if (header.size > limit) {
    changes.files.delete(path);
    if (named.length > 0) {
      changes.dropped.push(path);
      changes.issues.push({
        severity: "warning",
        message: `file of ${header.size} bytes is over the ${limit}-byte limit for its catalogers; skipped`,
        path,
      });
    }
    return drain(body);
  }
  const content = await readBody(body, named.length === 0 ? isExecutableFormat : undefined);
  if (content === undefined) {
    changes.files.delete(path);
    return;
  }
  await keepFile(path, content, wantsFor(named, executable, content), changes, options.onFile);
}

function linkHard<T>(path: string, linkname: string, changes: LayerChanges, options: TarWalkOptions<T>): void {
  const target = imagePath(linkname);
  const content = target === undefined ? undefined : changes.files.get(target);
  if (options.matcher.match(path).length === 0) return;
  if (content) changes.files.set(path, content);
  else {
    changes.issues.push({
      severity: "warning",
      message: `hard link to ${linkname}, which was not kept from this layer; skipped`,
      path,
    });
  }
}

/**
 * Reads an entry's body; with `accept`, stops buffering (but still drains) as soon as the first
 * bytes are refused, and resolves undefined.
 */
function readBody(body: EntryBody, accept?: (head: Buffer) => boolean): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let checked = accept === undefined;
    body.on("data", (data: unknown) => {
      if (refused || !Buffer.isBuffer(data)) return;
      const chunk = data;
      chunks.push(chunk);
      size += chunk.length;
      if (!checked && size >= 8) {
        checked = true;
        if (accept && !accept(Buffer.concat(chunks))) {
          refused = true;
          chunks = [];
        }
      }
    });
    body.on("end", () => {
      const content = Buffer.concat(chunks);
      resolve(refused || (!checked && accept && !accept(content)) ? undefined : content);
    });
    body.on("error", reject);
  });
}

function drain(body: EntryBody): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on("end", resolve);
    body.on("error", reject);
    body.resume();
  });
}

function describeStreamError(error: unknown): string {
  const message = errorMessage(error);
  if (/unexpected end of file|Unexpected end of data|premature/i.test(message)) return `truncated (${message})`;
  if (/incorrect header check|invalid|corrupt/i.test(message)) return `corrupt (${message})`;
  return message;
}

/** Counts (and optionally hashes) the blob as stored, before decompression. */
class RawMeter extends Transform {
  private readonly hash: Hash | undefined;
  private readonly expectedDigest: string | undefined;
  private readonly onBytes: ((bytes: number) => void) | undefined;
  private total = 0;

  constructor(expectedDigest: string | undefined, onBytes: ((bytes: number) => void) | undefined) {
    super({ highWaterMark: 1 << 20 });
    this.expectedDigest = expectedDigest;
    this.onBytes = onBytes;
    this.hash = expectedDigest?.startsWith("sha256:") ? createHash("sha256") : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    this.hash?.update(chunk);
    this.onBytes?.(this.total);
    callback(null, chunk);
  }

  digestMismatch(): string | undefined {
    if (!this.hash || !this.expectedDigest) return undefined;
    const actual = `sha256:${this.hash.digest("hex")}`;
    return actual === this.expectedDigest
      ? undefined
      : `layer content digest ${actual} does not match the manifest's ${this.expectedDigest}`;
  }
}
