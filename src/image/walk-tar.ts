import { createHash, type Hash } from "node:crypto";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ExtractEvents, extract, type Header } from "tar-stream";
import { errorMessage, LimitError } from "../errors.ts";
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
  /** Path text the layer may record (symlinks, replaced paths, whiteouts, issues); default maxRecordedPathBytes. */
  maxRecordedBytes?: number;
}

type EntryBody = ExtractEvents["entry"][1];

const whiteoutPrefix = ".wh.";
/** Linux's PATH_MAX: a longer entry name or link target names nothing a container can hold. */
const maxPathBytes = 4096;
/** Enough for layers of a million files; a layer that records more is refused rather than exhausting memory. */
export const maxRecordedPathBytes = 128 * 1024 * 1024;
const opaqueMarker = ".wh..wh..opq";

/** One streaming pass over a layer blob: keeps wanted files, records links and whiteouts. */
export async function walkTarLayer<T>(raw: Readable, options: TarWalkOptions<T>): Promise<LayerChanges> {
  const changes = emptyChanges();
  const record = new PathBudget(changes, options.maxRecordedBytes ?? maxRecordedPathBytes);
  const meter = new RawMeter(options.expectedDigest, options.onBytes);
  const tar = extract();
  tar.on("entry", (header, body, next) => {
    changes.entries += 1;
    changes.bytes += header.size;
    const done = (error?: unknown): void => {
      if (error === undefined) next();
      else next(error instanceof Error ? error : new Error(errorMessage(error)));
    };
    handleEntry(header, body, record, options).then(
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

/**
 * Everything a layer records besides file contents goes through here, so the path text one layer
 * can make Strata hold is capped (tiny compressed layers can declare millions of long names).
 */
class PathBudget {
  readonly changes: LayerChanges;
  private left: number;
  private readonly limit: number;

  constructor(changes: LayerChanges, limit: number) {
    this.changes = changes;
    this.left = limit;
    this.limit = limit;
  }

  private spend(...texts: string[]): void {
    for (const text of texts) this.left -= text.length;
    if (this.left < 0) {
      throw new LimitError(`the layer names more than ${this.limit} bytes of paths, links and whiteouts; refused`);
    }
  }

  symlink(path: string, target: string): void {
    this.spend(path, target);
    this.changes.symlinks.set(path, target);
    this.changes.files.delete(path);
  }

  /** A non-directory entry whose content is not kept: it still hides what lower layers had at and below it. */
  replaced(path: string): void {
    this.spend(path);
    this.changes.files.delete(path);
    this.changes.dropped.push(path);
  }

  removed(path: string): void {
    this.spend(path);
    this.changes.removed.push(path);
  }

  opaque(dir: string): void {
    this.spend(dir);
    this.changes.opaqueDirs.push(dir);
  }

  warn(message: string, path: string): void {
    this.spend(message, path);
    this.changes.issues.push({ severity: "warning", message, path });
  }
}

async function handleEntry<T>(
  header: Header,
  body: EntryBody,
  record: PathBudget,
  options: TarWalkOptions<T>,
): Promise<void> {
  // tar-stream gives null for an empty link name, which its types leave out.
  const linkname = (header.linkname as string | null) ?? "";
  if (Buffer.byteLength(header.name) > maxPathBytes || Buffer.byteLength(linkname) > maxPathBytes) {
    // A copy: a slice would keep the whole long name alive.
    const shown = Buffer.from(header.name.slice(0, 256)).toString();
    record.warn(`entry name or link target longer than ${maxPathBytes} bytes; ignored`, shown);
    return drain(body);
  }
  const path = imagePath(header.name);
  if (path === undefined) {
    if (header.name.split("/").includes("..")) record.warn("entry climbs out of the image root; ignored", header.name);
    return drain(body);
  }
  const slash = path.lastIndexOf("/");
  const basename = path.slice(slash + 1);
  if (basename.startsWith(whiteoutPrefix)) {
    const dir = path.slice(0, slash);
    if (basename === opaqueMarker) record.opaque(dir === "" ? "/" : dir);
    else if (!basename.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
      record.removed(`${dir}/${basename.slice(whiteoutPrefix.length)}`);
    }
    return drain(body);
  }
  // tar-stream reports unknown type flags as null, which its types leave out.
  const type = header.type as Header["type"] | null;
  switch (type) {
    case "symlink":
      record.symlink(path, linkname);
      return drain(body);
    case "link":
      linkHard(path, linkname, record, options);
      return drain(body);
    case "file":
    case "contiguous-file":
    case null:
      record.changes.symlinks.delete(path);
      return collectFile(path, header, body, record, options);
    case "block-device":
    case "character-device":
    case "fifo":
      record.replaced(path);
      return drain(body);
    case "directory":
      return drain(body);
  }
}

async function collectFile<T>(
  path: string,
  header: Header,
  body: EntryBody,
  record: PathBudget,
  options: TarWalkOptions<T>,
): Promise<void> {
  const named = options.matcher.match(path);
  const executable = hasExecutableBit(header.mode) && header.size >= 4 ? options.matcher.executables : [];
  const wants = [...named, ...executable];
  if (wants.length === 0) {
    record.replaced(path);
    return drain(body);
  }
  const limit = keepLimit(wants, options.maxFileBytes);
  if (header.size > limit) {
    record.replaced(path);
    if (named.length > 0) {
      record.warn(`file of ${header.size} bytes is over the ${limit}-byte limit for its catalogers; skipped`, path);
    }
    return drain(body);
  }
  const content = await readBody(body, header.size, named.length === 0 ? isExecutableFormat : undefined);
  if (content === undefined) {
    record.replaced(path);
    return;
  }
  await keepFile(path, content, wantsFor(named, executable, content), record.changes, options.onFile);
}

function linkHard<T>(path: string, linkname: string, record: PathBudget, options: TarWalkOptions<T>): void {
  const target = imagePath(linkname);
  const content = target === undefined ? undefined : record.changes.files.get(target);
  const wanted = options.matcher.match(path).length > 0;
  if (content && wanted) {
    record.changes.files.set(path, content);
    return;
  }
  record.replaced(path);
  if (wanted) record.warn(`hard link to ${linkname}, which was not kept from this layer; skipped`, path);
}

/**
 * Reads an entry's body into one buffer of its declared size (no second copy of a large file);
 * with `accept`, stops buffering (but still drains) as soon as the first bytes are refused, and
 * resolves undefined.
 */
function readBody(body: EntryBody, size: number, accept?: (head: Buffer) => boolean): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const content = Buffer.allocUnsafe(size);
    let filled = 0;
    let refused = false;
    let checked = accept === undefined;
    body.on("data", (data: unknown) => {
      if (refused || !Buffer.isBuffer(data)) return;
      filled += data.copy(content, filled);
      if (!checked && filled >= 8) {
        checked = true;
        if (accept && !accept(content.subarray(0, filled))) refused = true;
      }
    });
    body.on("end", () => {
      const read = content.subarray(0, filled);
      resolve(refused || (!checked && accept && !accept(read)) ? undefined : read);
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
  if (/requires too much memory/i.test(message)) return `refused: its zstd window is larger than 128 MiB (${message})`;
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
