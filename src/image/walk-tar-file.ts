/**
 * The layer walk for an uncompressed layer that lies in a file: headers are read in place by offset,
 * bodies no cataloger wants are stepped over, and only kept bodies are read. The blob's digest is checked
 * by a RangeDigester (large sequential reads on a worker thread) beside the walk, and its verdict may come
 * after the walk's changes, so the caller can go on with them meanwhile. Entries go through the streaming
 * walk's own handleEntry, so both walks yield the same changes. A layer holding GNU sparse files is handed
 * to the streaming walk, which knows their formats.
 */
import { createReadStream, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { errorMessage, InputError } from "../errors.ts";
import { readExecutable } from "./elf-skim.ts";
import type { FileRange } from "./file-range.ts";
import type { OnFile } from "./keep-file.ts";
import { emptyChanges, type LayerChanges, type LayerProblem } from "./layer-changes.ts";
import { RangeDigester } from "./range-digest.ts";
import { checkedSize, decodeBlock, isSparseHeader, PendingExtensions, tarBlock, tarErrors } from "./tar-block.ts";
import {
  describeStreamError,
  type EntryData,
  handleEntry,
  maxRecordedPathBytes,
  PathBudget,
  type TarWalkOptions,
  walkTarLayer,
} from "./walk-tar.ts";

export interface TarFileWalkOptions<T> extends TarWalkOptions<T> {
  /** Checks expectedDigest; one is made (and closed) for this walk when none is given. */
  digester?: RangeDigester;
  /**
   * Every ELF section the executable catalogers read. When given, an ELF file wanted only as an executable
   * is skimmed (see elf-skim.ts) unless its section table names one of them.
   */
  executableSections?: readonly string[];
}

/** Bytes read at a time for headers and small bodies; larger bodies are read straight into their buffer. */
const minWindowBytes = 16 * 1024;
const maxWindowBytes = 256 * 1024;
/** How often the walk reports progress and lets the event loop run (timers, the digest worker's answer). */
const progressStep = 32 << 20;

/** Thrown at the first sign of a sparse file, to start the layer over as a stream. */
class SparseLayer extends Error {}

export interface TarFileWalk {
  changes: LayerChanges;
  /**
   * The blob's digest check, which may settle after the walk: a problem when the blob does not match (or
   * could not be read for it); undefined when it matches, when no check was asked, or when the walk did not
   * reach the end (the streaming walk then reports only the damage, too).
   */
  verdict: Promise<LayerProblem | undefined>;
}

export async function walkTarFile<T>(range: FileRange, options: TarFileWalkOptions<T>): Promise<TarFileWalk> {
  try {
    return await walkInPlace(range, options);
  } catch (error) {
    if (!(error instanceof SparseLayer)) throw error;
    const { digester: _digester, executableSections: _sections, ...streaming } = options;
    const stream = createReadStream(range.path, { start: range.start, end: range.end - 1 });
    return { changes: await walkTarLayer(stream, streaming), verdict: Promise.resolve(undefined) };
  }
}

async function walkInPlace<T>(range: FileRange, options: TarFileWalkOptions<T>): Promise<TarFileWalk> {
  const changes = emptyChanges();
  const record = new PathBudget(changes, options.maxRecordedBytes ?? maxRecordedPathBytes);
  const expected = options.expectedDigest?.startsWith("sha256:") ? options.expectedDigest : undefined;
  const ownDigester = expected && !options.digester ? new RangeDigester() : undefined;
  const digest = expected ? (options.digester ?? ownDigester)?.sha256(range) : undefined;
  // Settled in verdictOf; until then a failed read must not count as unhandled.
  digest?.catch(() => undefined);
  let handle: FileHandle | undefined;
  try {
    handle = await open(range.path, "r");
    await walkEntries(new RangeReader(handle.fd, range.end), range, record, options);
  } catch (error) {
    if (error instanceof SparseLayer) {
      await ownDigester?.close();
      throw error;
    }
    changes.complete = false;
    changes.issues.push({
      severity: "error",
      message: `layer could not be read to the end after ${changes.entries} entries: ${describeStreamError(error)}`,
    });
  } finally {
    await handle?.close();
  }
  const verdict = verdictOf(digest, expected, changes.complete).finally(() => ownDigester?.close());
  return { changes, verdict };
}

/** The digest check's outcome: no problem, or a mismatch or read failure (for a layer read to its end). */
export async function verdictOf(
  digest: Promise<string> | undefined,
  expected: string | undefined,
  complete: boolean,
): Promise<LayerProblem | undefined> {
  if (digest === undefined || expected === undefined) return undefined;
  let actual: string;
  try {
    actual = await digest;
  } catch (error) {
    const message = `layer could not be read to check its digest: ${errorMessage(error)}`;
    return complete ? { severity: "error", message } : undefined;
  }
  if (!complete || actual === expected) return undefined;
  return { severity: "error", message: `layer content digest ${actual} does not match the manifest's ${expected}` };
}

async function walkEntries<T>(
  reader: RangeReader,
  range: FileRange,
  record: PathBudget,
  options: TarFileWalkOptions<T>,
): Promise<void> {
  const { changes } = record;
  const extensions = new PendingExtensions();
  const pool = new ContentPool();
  const onFile: OnFile<T> = async (path, content, wants, into) => {
    const keep = options.onFile ? await options.onFile(path, content, wants, into) : true;
    if (keep) pool.kept(content);
    return keep;
  };
  const entryOptions = { ...options, onFile };
  const context = { reader, end: range.end, executableSections: options.executableSections, pool };
  let reported = range.start;
  for (let position = range.start; position < range.end; ) {
    if (range.end - position < tarBlock) throw new InputError(tarErrors.truncated);
    const block = reader.bytes(position, tarBlock);
    const decoded = decodeBlock(block);
    if (decoded.kind !== "end" && isSparseHeader(block)) throw new SparseLayer();
    position += tarBlock;
    if (decoded.kind === "end") continue;
    if (decoded.kind === "extension") {
      const next = position + padded(decoded.size);
      if (next > range.end) throw new InputError(tarErrors.truncated);
      extensions.add(decoded.extension, readExtension(reader, position, decoded.size));
      if (extensions.sparse) throw new SparseLayer();
      position = next;
      continue;
    }
    const header = extensions.apply(decoded.header);
    const size = checkedSize(header);
    changes.entries += 1;
    changes.bytes += size;
    // tar-stream gives directories no data, whatever their size says.
    const length = header.type === "directory" ? 0 : size;
    await handleEntry(header, new InPlaceData(context, position, length), record, entryOptions);
    pool.release();
    position += padded(length);
    if (position > range.end) throw new InputError(tarErrors.truncated);
    if (position - reported >= progressStep) {
      reported = position;
      options.onBytes?.(position - range.start);
      await new Promise(setImmediate);
    }
  }
  options.onBytes?.(range.end - range.start);
}

/** A long name or pax record body: up to 4 MiB, so possibly larger than the window. */
function readExtension(reader: RangeReader, position: number, size: number): Buffer {
  if (size <= maxWindowBytes) return reader.bytes(position, size);
  const data = Buffer.allocUnsafe(size);
  reader.copy(data, position);
  return data;
}

function padded(size: number): number {
  return Math.ceil(size / tarBlock) * tarBlock;
}

const minPooledBytes = 64 * 1024;
const maxPooledBytes = 32 * 1024 * 1024;

/**
 * One reusable buffer for the contents of large files, lent to one entry at a time. Most large files
 * (archives, executables) go only to eager catalogers, which keep what they parsed (stored as JSON), never
 * the bytes; the buffer then serves the next file, instead of fresh memory faulted in page by page. Content
 * the walk keeps for later catalogers is given up to it, and the pool starts another buffer.
 */
class ContentPool {
  private buffer: Buffer | undefined;
  private lent: Buffer | undefined;

  take(length: number): Buffer {
    if (this.lent !== undefined || length < minPooledBytes || length > maxPooledBytes) {
      return Buffer.allocUnsafe(length);
    }
    if (!this.buffer || this.buffer.length < length) {
      this.buffer = Buffer.allocUnsafe(Math.min(maxPooledBytes, Math.max(length, 2 * (this.buffer?.length ?? 0))));
    }
    this.lent = this.buffer.subarray(0, length);
    return this.lent;
  }

  /** The walk keeps this content: if it was lent, it is the walk's now. */
  kept(content: Buffer): void {
    if (content === this.lent) this.buffer = undefined;
  }

  /** The entry is done; what it was lent (and did not keep) serves the next one. */
  release(): void {
    this.lent = undefined;
  }
}

interface EntryContext {
  reader: RangeReader;
  end: number;
  executableSections: readonly string[] | undefined;
  pool: ContentPool;
}

/** One entry's data, at its offset in the file. */
class InPlaceData implements EntryData {
  private readonly context: EntryContext;
  private readonly offset: number;
  private readonly length: number;

  constructor(context: EntryContext, offset: number, length: number) {
    this.context = context;
    this.offset = offset;
    this.length = length;
  }

  skip(): Promise<void> {
    const beyond = this.offset + this.length > this.context.end;
    return beyond ? Promise.reject(new InputError(tarErrors.truncated)) : Promise.resolve();
  }

  async read(size: number, accept?: (head: Buffer) => boolean): Promise<Buffer | undefined> {
    await this.skip();
    const { reader, executableSections, pool } = this.context;
    const length = Math.min(size, this.length);
    const read = (target: Buffer, at: number): void => {
      reader.copy(target, this.offset + at);
    };
    // The walk passes `accept` only for a file no cataloger named, wanted as a possible executable.
    if (accept) {
      if (!accept(reader.bytes(this.offset, Math.min(8, length)))) return undefined;
      if (executableSections) return readExecutable(length, executableSections, read, (bytes) => pool.take(bytes));
    }
    const content = pool.take(length);
    read(content, 0);
    return content;
  }
}

/**
 * Positional reads within [.., end) of one file, through a window that serves runs of small entries. The
 * window grows while entries are read back to back and shrinks after a jump over a skipped body, so neither
 * many small files nor a few large skipped ones cost many reads or many wasted bytes. The reads are
 * synchronous: from the page cache they cost less than a trip through the thread pool.
 */
class RangeReader {
  private readonly fd: number;
  private readonly end: number;
  private readonly window = Buffer.allocUnsafe(maxWindowBytes);
  private windowStart = 0;
  private windowLength = 0;
  private nextWindow = minWindowBytes;

  constructor(fd: number, end: number) {
    this.fd = fd;
    this.end = end;
  }

  /** `length` bytes at `position` (at most maxWindowBytes); the view is valid until the next call. */
  bytes(position: number, length: number): Buffer {
    if (!this.holds(position, length)) {
      const contiguous = position === this.windowStart + this.windowLength;
      this.nextWindow = contiguous ? Math.min(maxWindowBytes, this.nextWindow * 2) : minWindowBytes;
      const want = Math.min(Math.max(length, this.nextWindow), this.end - position);
      this.windowStart = position;
      this.windowLength = this.fill(this.window, 0, want, position);
      if (this.windowLength < length) throw new InputError(tarErrors.truncated);
    }
    const at = position - this.windowStart;
    return this.window.subarray(at, at + length);
  }

  /** Fills `target` with the bytes at `position`. */
  copy(target: Buffer, position: number): void {
    if (target.length <= minWindowBytes) {
      target.set(this.bytes(position, target.length));
      return;
    }
    let done = 0;
    if (this.holds(position, 1)) done = this.window.copy(target, 0, position - this.windowStart, this.windowLength);
    if (done < target.length && this.fill(target, done, target.length - done, position + done) < target.length - done) {
      throw new InputError(tarErrors.truncated);
    }
  }

  private holds(position: number, length: number): boolean {
    return position >= this.windowStart && position + length <= this.windowStart + this.windowLength;
  }

  /** Reads until `length` bytes are in or the file ends; returns how many were read. */
  private fill(target: Buffer, offset: number, length: number, position: number): number {
    let filled = 0;
    while (filled < length) {
      const read = readSync(this.fd, target, offset + filled, length - filled, position + filled);
      if (read === 0) break;
      filled += read;
    }
    return filled;
  }
}
