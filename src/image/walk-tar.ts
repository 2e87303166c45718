import { createHash, type Hash } from "node:crypto";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ExtractEvents, extract, type Header } from "tar-stream";
import { errorMessage, LimitError } from "../errors.ts";
import { decompressor, detectCompression, peekHead } from "./decompress.ts";
import type { InterestMatcher } from "./interest.ts";
import { emptyChanges, type LayerChanges, type LayerProblem } from "./layer-changes.ts";
import { imagePath } from "./paths.ts";
import { hasExecutableBit, isExecutableFormat } from "./executable.ts";
import { keepFile, type OnFile, wantsFor } from "./keep-file.ts";
import { keepLimit } from "./keep-limit.ts";
import { defaultLimits } from "../limits.ts";

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
  /** File contents the layer may keep in memory; default defaultLimits.maxLayerKeptBytes. */
  maxLayerKeptBytes?: number;
}

type EntryBody = ExtractEvents["entry"][1];

/** The header fields the walk acts on, however the tar was read (streamed here, or in place). */
export interface EntryHeader {
  name: string;
  /** "" when the header names no link. */
  linkname: string;
  /** null for type flags tar-stream does not know: such entries are read as regular files. */
  type: Header["type"] | null;
  mode: number;
  /** Bytes of data the entry stores (for a sparse file, without its holes). */
  size: number;
  /** A sparse file's layout, from GNU or PAX sparse headers (see sparseFromPax). */
  sparse?: SparseLayout;
}

/** Where a sparse file's stored data lies in the file; the rest of it is holes (zeros). */
export interface SparseLayout {
  /** The file's size with its holes. */
  realSize: number;
  /** [offset, length] of each stored segment, in order; undefined when the data begins with them (PAX sparse 1.0). */
  segments: Array<[number, number]> | undefined;
  /** Why the layout is unusable; the file's data is then not read. */
  problem?: string;
}

/** An entry's data: read into one buffer (see readBody), or skipped. */
export interface EntryData {
  read(size: number, accept?: (head: Buffer) => boolean): Promise<Buffer | undefined>;
  skip(): Promise<void>;
}

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
    handleEntry(entryHeader(header), streamData(body), record, options).then(
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
    if (inflate) await pipeline(raw, meter, inflate, new SparseHeaders(), tar);
    else await pipeline(raw, meter, new SparseHeaders(), tar);
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
 * Everything a layer records goes through here, so what one layer can make Strata hold is capped:
 * its path text (tiny compressed layers can declare millions of long names) and, under `keep`, the
 * file contents it keeps.
 */
export class PathBudget {
  readonly changes: LayerChanges;
  private left: number;
  private readonly limit: number;
  private keptBytes = 0;
  /** The one issue that counts the files skipped once the kept budget ran out. */
  private overBudget: { issue: LayerProblem; first: string; files: number } | undefined;

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

  /**
   * A directory entry replaces a lower non-directory at its path (a file, or a symlink, even to a
   * directory) but merges with a lower directory. It is recorded in `dropped` with a trailing slash,
   * which names no file and hides nothing below it (see ImageView.apply).
   */
  directory(path: string): void {
    this.spend(path);
    this.changes.files.delete(path);
    this.changes.symlinks.delete(path);
    this.changes.dropped.push(`${path}/`);
  }

  opaque(dir: string): void {
    this.spend(dir);
    this.changes.opaqueDirs.push(dir);
  }

  warn(message: string, path: string): void {
    this.spend(message, path);
    this.changes.issues.push({ severity: "warning", message, path });
  }

  /**
   * Charges content the layer keeps in memory to its budget; false (the file is then skipped, and
   * counted in one layer issue) when it does not fit.
   */
  keep(path: string, bytes: number, budget: number): boolean {
    if (this.keptBytes + bytes <= budget) {
      this.keptBytes += bytes;
      return true;
    }
    if (this.overBudget === undefined) {
      this.spend(path);
      this.overBudget = { issue: { severity: "warning", message: "" }, first: path, files: 0 };
      this.changes.issues.push(this.overBudget.issue);
    }
    const over = this.overBudget;
    over.files += 1;
    over.issue.message =
      `the files kept from this layer passed its ${budget}-byte budget: ` +
      `${over.files} more ${over.files === 1 ? "was" : "were"} skipped, the first ${over.first}`;
    return false;
  }
}

function entryHeader(header: Header): EntryHeader {
  // tar-stream gives null for an empty link name and for unknown type flags, which its types leave out.
  const linkname = (header.linkname as string | null) ?? "";
  const type = header.type as Header["type"] | null;
  const entry: EntryHeader = { name: header.name, linkname, type, mode: header.mode, size: header.size };
  const pax: unknown = header.pax;
  const record = (key: string): string | undefined => {
    const value: unknown =
      typeof pax === "object" && pax !== null && Object.hasOwn(pax, key) ? Reflect.get(pax, key) : undefined;
    return typeof value === "string" ? value : undefined;
  };
  const found = sparseFromPax(record);
  if (found === undefined) return entry;
  return { ...entry, name: found.name ?? entry.name, sparse: found.layout };
}

/** Sparse files' segments past this many are not read. */
const maxSparseSegments = 65_536;

/**
 * The layout and real name a sparse file's pax records give: GNU.sparse.map (PAX sparse 0.1, and the
 * form SparseHeaders gives old GNU and PAX 0.0 sparse files) or GNU.sparse.major=1 (1.0: the map is in
 * the data). Undefined for an entry that is not sparse.
 */
export function sparseFromPax(
  record: (key: string) => string | undefined,
): { name: string | undefined; layout: SparseLayout } | undefined {
  const map = record("GNU.sparse.map");
  const inData = record("GNU.sparse.major") === "1" && record("GNU.sparse.minor") === "0";
  if (map === undefined && !inData) return undefined;
  const name = record("GNU.sparse.name") || undefined;
  const realSize = decimal(record("GNU.sparse.realsize") ?? record("GNU.sparse.size") ?? "");
  if (realSize === undefined) return { name, layout: { realSize: 0, segments: [], problem: "no real size" } };
  if (inData) return { name, layout: { realSize, segments: undefined } };
  const numbers = (map ?? "").split(",").map(decimal);
  const segments: Array<[number, number]> = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) {
    const offset = numbers[i];
    const length = numbers[i + 1];
    if (offset === undefined || length === undefined) break;
    segments.push([offset, length]);
  }
  if (numbers.length % 2 !== 0 || segments.length * 2 !== numbers.length) {
    return { name, layout: { realSize, segments: [], problem: "its sparse map is malformed" } };
  }
  if (segments.length > maxSparseSegments) {
    return { name, layout: { realSize, segments: [], problem: `more than ${maxSparseSegments} sparse segments` } };
  }
  return { name, layout: { realSize, segments } };
}

/** A non-negative decimal integer that a number holds exactly. */
function decimal(text: string): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function streamData(body: EntryBody): EntryData {
  return { read: (size, accept) => readBody(body, size, accept), skip: () => drain(body) };
}

export async function handleEntry<T>(
  header: EntryHeader,
  body: EntryData,
  record: PathBudget,
  options: TarWalkOptions<T>,
): Promise<void> {
  const { linkname } = header;
  if (Buffer.byteLength(header.name) > maxPathBytes || Buffer.byteLength(linkname) > maxPathBytes) {
    // A copy: a slice would keep the whole long name alive.
    const shown = Buffer.from(header.name.slice(0, 256)).toString();
    record.warn(`entry name or link target longer than ${maxPathBytes} bytes; ignored`, shown);
    return body.skip();
  }
  const path = imagePath(header.name);
  if (path === undefined) {
    if (header.name.split("/").includes("..")) record.warn("entry climbs out of the image root; ignored", header.name);
    return body.skip();
  }
  const slash = path.lastIndexOf("/");
  const basename = path.slice(slash + 1);
  if (basename.startsWith(whiteoutPrefix)) {
    const dir = path.slice(0, slash);
    if (basename === opaqueMarker) record.opaque(dir === "" ? "/" : dir);
    else if (!basename.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
      record.removed(`${dir}/${basename.slice(whiteoutPrefix.length)}`);
    }
    return body.skip();
  }
  switch (header.type) {
    case "symlink":
      record.symlink(path, linkname);
      return body.skip();
    case "link":
      linkHard(path, linkname, record, options);
      return body.skip();
    case "file":
    case "contiguous-file":
    case null:
      record.changes.symlinks.delete(path);
      return collectFile(path, header, body, record, options);
    case "block-device":
    case "character-device":
    case "fifo":
      record.replaced(path);
      return body.skip();
    case "directory":
      record.directory(path);
      // tar-stream reads no data for a directory, whatever its size says, and such a body never ends.
      return;
  }
}

async function collectFile<T>(
  path: string,
  header: EntryHeader,
  body: EntryData,
  record: PathBudget,
  options: TarWalkOptions<T>,
): Promise<void> {
  const { sparse } = header;
  const size = sparse?.realSize ?? header.size;
  const named = options.matcher.match(path);
  const executable = hasExecutableBit(header.mode) && size >= 4 ? options.matcher.executables : [];
  const wants = [...named, ...executable];
  if (wants.length === 0) {
    record.replaced(path);
    return body.skip();
  }
  const limit = keepLimit(wants, options.maxFileBytes);
  if (size > limit || header.size > limit) {
    record.replaced(path);
    if (named.length > 0) {
      record.warn(`file of ${size} bytes is over the ${limit}-byte limit for its catalogers; skipped`, path);
    }
    return body.skip();
  }
  const content = sparse
    ? await readSparse(path, header.size, sparse, body, record, named.length > 0)
    : await body.read(header.size, named.length === 0 ? isExecutableFormat : undefined);
  if (content === undefined || (sparse && named.length === 0 && !isExecutableFormat(content))) {
    record.replaced(path);
    return;
  }
  await keepFile(path, content, wantsFor(named, executable, content), record.changes, options.onFile);
  const kept = record.changes.files.get(path)?.length ?? 0;
  if (kept > 0 && !record.keep(path, kept, options.maxLayerKeptBytes ?? defaultLimits.maxLayerKeptBytes)) {
    record.replaced(path);
  }
}

/** A sparse file's content with its holes as zeros (never larger than its checked real size); undefined when unusable. */
async function readSparse(
  path: string,
  stored: number,
  layout: SparseLayout,
  body: EntryData,
  record: PathBudget,
  named: boolean,
): Promise<Buffer | undefined> {
  const expanded = layout.problem ?? expandSparse(await body.read(stored), layout);
  if (typeof expanded !== "string") return expanded;
  if (named) record.warn(`sparse file: ${expanded}; skipped`, path);
  if (layout.problem !== undefined) await body.skip();
  return undefined;
}

/** The stored segments placed in a zeroed buffer of the real size, or why they cannot be. */
function expandSparse(stored: Buffer | undefined, layout: SparseLayout): Buffer | string {
  if (stored === undefined) return "its data could not be read";
  let data = stored;
  let segments = layout.segments;
  if (segments === undefined) {
    const inData = mapInData(stored);
    if (typeof inData === "string") return inData;
    segments = inData.segments;
    data = stored.subarray(inData.dataStart);
  }
  const content = Buffer.alloc(layout.realSize);
  let end = 0;
  let from = 0;
  for (const [offset, length] of segments) {
    if (offset < end || offset + length > layout.realSize) return "its sparse segments overlap or pass its size";
    if (from + length > data.length) return "its data is shorter than its sparse map";
    data.copy(content, offset, from, from + length);
    from += length;
    end = offset + length;
  }
  return content;
}

/** PAX sparse 1.0: decimal lines (the count, then offset and length of each segment) padded to a block. */
function mapInData(stored: Buffer): { segments: Array<[number, number]>; dataStart: number } | string {
  let at = 0;
  const next = (): number | undefined => {
    const newline = stored.indexOf(0x0a, at);
    if (newline < 0 || newline - at > 20) return undefined;
    const value = decimal(stored.toString("latin1", at, newline));
    at = newline + 1;
    return value;
  };
  const count = next();
  if (count === undefined) return "its sparse map is malformed";
  if (count > maxSparseSegments) return `more than ${maxSparseSegments} sparse segments`;
  const segments: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const offset = next();
    const length = next();
    if (offset === undefined || length === undefined) return "its sparse map is malformed";
    segments.push([offset, length]);
  }
  return { segments, dataStart: Math.ceil(at / 512) * 512 };
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

export function describeStreamError(error: unknown): string {
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

const block = 512;
const flags = { pax: 0x78, globalPax: 0x67, gnuSparse: 0x53, directory: 0x35, regular: 0x30 } as const;
/** GNU long link name ('K') and long names ('L', and 'N' as tar-stream reads it). */
const longNameFlags = new Set([0x4b, 0x4c, 0x4e]);
/** tar-stream's cap on a long name or pax body. */
const maxExtensionBytes = 4 * 1024 * 1024;
const gnuMagic = Buffer.from("ustar  \0", "latin1");

interface HeldPax {
  header: Buffer;
  /** As read, padded. */
  body: Buffer;
  records: Array<[string, string]>;
}

/**
 * Puts sparse files in the one form that tar-stream (which knows no sparse format) passes on. It reads an
 * old GNU sparse header ('S') with extension blocks as a file whose data begins at those blocks, so every
 * later header is misread; and it keeps one value per pax key, so a PAX 0.0 map keeps only its last
 * segment. Both are rewritten here as PAX 0.1: a pax header with GNU.sparse.map and GNU.sparse.realsize,
 * then a regular-file header. Everything else passes untouched. At anything it cannot frame (a bad
 * checksum, format or size) it stops rewriting and leaves the error to tar-stream.
 */
export class SparseHeaders extends Transform {
  private state: "header" | "extension" | "sparse" | "data" | "passthrough" = "header";
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes to collect before the next step: a block, or an extension's padded body. */
  private want = block;
  private dataLeft = 0;
  private extensionHeader: Buffer = Buffer.alloc(0);
  private extensionSize = 0;
  /** The last pax header, held until the next block shows whether it belongs to an old GNU sparse file. */
  private held: HeldPax | undefined;
  /** The pax records that apply to the next entry (with the global ones), as tar-stream merges them. */
  private nextPax: Map<string, string> | undefined;
  private globalPax: Map<string, string> | undefined;
  private sparseHeader: Buffer = Buffer.alloc(0);
  private sparseSize = 0;
  private segments: string[] = [];
  /**
   * Bytes that go on unchanged (data, and headers read in place) are sent as runs of the chunk:
   * chunk[unsent, blockAt) precedes whatever is emitted next.
   */
  private chunk: Buffer = Buffer.alloc(0);
  private unsent = 0;
  private blockAt = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.chunk = chunk;
    this.unsent = 0;
    let at = 0;
    while (at < chunk.length && this.state !== "passthrough") {
      if (this.state === "data") {
        const length = Math.min(this.dataLeft, chunk.length - at);
        at += length;
        this.dataLeft -= length;
        if (this.dataLeft === 0) this.expect("header", block);
      } else if (this.state === "header" && this.pendingBytes === 0 && chunk.length - at >= block) {
        this.blockAt = at;
        at += block;
        if (!this.header(chunk.subarray(this.blockAt, at))) {
          // Consumed: it is held, rewritten or already sent.
          this.sendUnsent();
          this.unsent = at;
        }
      } else {
        // Collected bytes are emitted (or rewritten) once complete, after what came before them.
        this.blockAt = at;
        this.sendUnsent();
        const length = Math.min(this.want - this.pendingBytes, chunk.length - at);
        this.pending.push(chunk.subarray(at, at + length));
        this.pendingBytes += length;
        at += length;
        this.unsent = at;
        this.blockAt = at;
        if (this.pendingBytes === this.want) {
          this.pendingBytes = 0;
          this.collected(Buffer.concat(this.pending.splice(0)));
        }
      }
    }
    this.blockAt = chunk.length;
    this.sendUnsent();
    this.chunk = Buffer.alloc(0);
    this.unsent = 0;
    this.blockAt = 0;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A stream that ends inside an entry's headers: what was read goes on, for tar-stream to call it truncated.
    this.flushHeld();
    if (this.state === "extension") this.send(this.extensionHeader);
    if (this.state === "sparse") this.send(this.sparseHeader);
    if (this.pendingBytes > 0) this.send(Buffer.concat(this.pending.splice(0)));
    callback();
  }

  /** Sends bytes this transform made or changed, after the unchanged ones that precede them. */
  private send(data: Buffer): void {
    this.sendUnsent();
    this.push(data);
  }

  private sendUnsent(): void {
    if (this.blockAt > this.unsent) this.push(this.chunk.subarray(this.unsent, this.blockAt));
    this.unsent = Math.max(this.unsent, this.blockAt);
  }

  private expect(state: "header" | "extension" | "sparse", bytes: number): void {
    this.state = state;
    this.want = bytes;
    if (bytes === 0) this.collected(Buffer.alloc(0));
  }

  private collected(data: Buffer): void {
    if (this.state === "extension") this.extension(data);
    else if (this.state === "sparse") this.sparseBlock(data);
    else if (this.header(data)) this.send(data);
  }

  /** Acts on a header block; true when the block itself goes on unchanged (the caller sends it). */
  private header(header: Buffer): boolean {
    const sum = headerChecksum(header);
    // A block of zeros (the checksum field aside), which tar-stream steps over.
    if (sum === 8 * 32) return true;
    const flag = header[156] ?? 0;
    const size = numberField(header, 124, 12);
    const magic = header.toString("latin1", 257, 263);
    if (sum !== numberField(header, 148, 8) || (magic !== "ustar\0" && magic !== "ustar ") || size === undefined) {
      return this.passthrough();
    }
    if (flag === flags.pax || flag === flags.globalPax || longNameFlags.has(flag)) {
      if (size < 0 || size > maxExtensionBytes) return this.passthrough();
      if (flag !== flags.pax) this.flushHeld();
      this.extensionHeader = Buffer.from(header);
      this.extensionSize = size;
      this.expect("extension", padded(size));
      return false;
    }
    const paxSize = this.nextPax?.get("size");
    const dataSize = paxSize ? Number.parseInt(paxSize, 10) : size;
    this.nextPax = undefined;
    if (!(dataSize >= 0)) return this.passthrough();
    if (flag === flags.gnuSparse && header.subarray(257, 265).equals(gnuMagic)) {
      this.sparseHeader = Buffer.from(header);
      this.sparseSize = dataSize;
      this.segments = [];
      this.addSegments(header, 386, 4);
      if (header[482] === 0) this.finishSparse();
      else this.expect("sparse", block);
      return false;
    }
    this.flushHeld();
    this.startData(flag, dataSize);
    return true;
  }

  private extension(body: Buffer): void {
    const header = this.extensionHeader;
    const flag = header[156];
    const records = paxRecords(body.subarray(0, this.extensionSize));
    if (flag === flags.pax) {
      this.flushHeld();
      this.held = { header, body, records };
      this.nextPax = new Map([...(this.globalPax ?? []), ...records]);
    } else {
      if (flag === flags.globalPax) this.globalPax = new Map(records);
      this.send(header);
      this.send(body);
    }
    this.expect("header", block);
  }

  private sparseBlock(extension: Buffer): void {
    this.addSegments(extension, 0, 21);
    if (extension[504] === 0) this.finishSparse();
    else this.expect("sparse", block);
  }

  /** Reads `count` (offset, length) pairs of 12-byte numbers; a pair whose offset starts with NUL ends the map. */
  private addSegments(data: Buffer, start: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const at = start + i * 24;
      if (data[at] === 0) return;
      if (this.segments.length > 2 * maxSparseSegments) continue;
      const offset = numberField(data, at, 12);
      const length = numberField(data, at + 12, 12);
      // A number that does not read leaves a map that sparseFromPax refuses.
      this.segments.push(String(offset ?? "?"), String(length ?? "?"));
    }
  }

  /** The old GNU sparse file as a pax header (with the held records, if any) and a regular-file header. */
  private finishSparse(): void {
    const template = this.sparseHeader;
    const records = (this.held?.records ?? []).filter(([key]) => !key.startsWith("GNU.sparse."));
    this.held = undefined;
    const realSize = numberField(template, 483, 12);
    records.push(["GNU.sparse.map", this.segments.join(",")], ["GNU.sparse.realsize", String(realSize ?? "?")]);
    this.pushPax(template, records);
    const header = Buffer.from(template);
    header[156] = flags.regular;
    this.send(withChecksum(header));
    this.startData(flags.regular, this.sparseSize);
  }

  /** Sends the held pax header on, its PAX 0.0 sparse records (repeated keys) turned into one GNU.sparse.map. */
  private flushHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const isMapKey = (key: string): boolean => key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes";
    if (!held.records.some(([key]) => isMapKey(key))) {
      this.send(held.header);
      this.send(held.body);
      return;
    }
    const offsets = held.records.filter(([key]) => key === "GNU.sparse.offset").map(([, value]) => value);
    const lengths = held.records.filter(([key]) => key === "GNU.sparse.numbytes").map(([, value]) => value);
    const pairs =
      offsets.length === lengths.length ? offsets.flatMap((offset, i) => [offset, lengths[i] ?? ""]) : ["?"];
    const records = held.records.filter(([key]) => !isMapKey(key));
    records.push(["GNU.sparse.map", pairs.join(",")]);
    this.pushPax(held.header, records);
  }

  private pushPax(template: Buffer, records: Array<[string, string]>): void {
    const body = paxBody(records);
    const header = Buffer.from(template);
    header[156] = flags.pax;
    header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124, "latin1");
    this.send(withChecksum(header));
    this.send(Buffer.concat([body, Buffer.alloc(padded(body.length) - body.length)]));
  }

  private startData(flag: number, size: number): void {
    this.dataLeft = flag === flags.directory ? 0 : padded(size);
    if (this.dataLeft > 0) this.state = "data";
    else this.expect("header", block);
  }

  /** Stops rewriting: the block and all after it go on as they are. */
  private passthrough(): true {
    this.flushHeld();
    this.state = "passthrough";
    return true;
  }
}

function padded(size: number): number {
  return Math.ceil(size / block) * block;
}

/** The header's checksum as tar computes it: every byte, the checksum field read as spaces. */
function headerChecksum(header: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += header[i] ?? 0;
  for (let i = 156; i < block; i++) sum += header[i] ?? 0;
  return sum;
}

function withChecksum(header: Buffer): Buffer {
  header.fill(0x20, 148, 156);
  header.write(`${headerChecksum(header).toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return header;
}

/**
 * A numeric header field as tar-stream reads it: octal (leading spaces and NULs skipped, ended by a space
 * or by what is not an octal digit), or GNU base-256; undefined when it does not read.
 */
function numberField(data: Buffer, offset: number, length: number): number | undefined {
  const field = data.subarray(offset, offset + length);
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) {
    if (first !== 0x80) return undefined;
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  let start = 0;
  while (start < field.length && field[start] === 0x20) start++;
  let end = field.indexOf(0x20, start);
  if (end < 0) end = field.length;
  while (start < end && field[start] === 0) start++;
  if (start === end) return 0;
  const value = Number.parseInt(field.toString("latin1", start, end), 8);
  return Number.isNaN(value) ? undefined : value;
}

/** "LENGTH key=value\n" records in order, read as tar-stream reads them (it stops quietly at a bad one). */
function paxRecords(body: Buffer): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  let rest = body;
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== 0x20) space++;
    const length = Number.parseInt(rest.toString("utf8", 0, space), 10);
    if (!length) break;
    const record = rest.toString("utf8", space + 1, length - 1);
    const equals = record.indexOf("=");
    if (equals < 0) break;
    records.push([record.slice(0, equals), record.slice(equals + 1)]);
    rest = rest.subarray(length);
  }
  return records;
}

function paxBody(records: ReadonlyArray<[string, string]>): Buffer {
  const lines = records.map(([key, value]) => {
    const text = ` ${key}=${value}\n`;
    const bytes = Buffer.byteLength(text);
    let length = bytes + 1;
    while (String(length).length + bytes !== length) length++;
    return `${length}${text}`;
  });
  return Buffer.from(lines.join(""));
}
