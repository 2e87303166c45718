import { type FileHandle, open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { InputError, LimitError, errorMessage } from "../errors.ts";
import type { VulnDatabase } from "./database.ts";
import { bumpDataVersion } from "./data-version.ts";
import { refreshMatchIndex, staleMarker } from "./match-index.ts";
import { type OsvRecord, readOsvRecord } from "./osv-record.ts";
import { baseEcosystemOf, normalizePackageName } from "./package-names.ts";

export interface ImportStats {
  source: string;
  /** Records written (new or newer than the stored copy). */
  imported: number;
  /** Records whose stored copy is as new. */
  unchanged: number;
  /** Entries that were not OSV records, with the first few reasons. */
  invalid: number;
  problems: string[];
}

const maxRecordBytes = 16 * 1024 * 1024;
const batchSize = 2000;

/** Imports an osv.dev `<Ecosystem>/all.zip` into the database; records not newer than the stored ones are skipped. */
export async function importOsvZip(db: VulnDatabase, zipPath: string, source: string): Promise<ImportStats> {
  const stats: ImportStats = { source, imported: 0, unchanged: 0, invalid: 0, problems: [] };
  const writer = recordWriter(db, source);
  let batch: OsvRecord[] = [];
  const flush = (): void => {
    const { imported, unchanged } = writer(batch);
    stats.imported += imported;
    stats.unchanged += unchanged;
    batch = [];
  };
  await forEachZipEntry(zipPath, async (name, read) => {
    if (!name.endsWith(".json")) return;
    const invalid = (reason: string): void => {
      stats.invalid += 1;
      if (stats.problems.length < 10) stats.problems.push(`${name}: ${reason}`);
    };
    let record: OsvRecord | undefined;
    try {
      record = readOsvRecord(JSON.parse((await read()).toString("utf8")));
    } catch (error) {
      invalid(errorMessage(error));
      return;
    }
    if (!record) {
      invalid("not an OSV record (no id or modified)");
      return;
    }
    batch.push(record);
    if (batch.length >= batchSize) flush();
  });
  flush();
  const recordSource = db.prepare(
    "INSERT INTO sources (name, imported_at, records) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET imported_at = excluded.imported_at, records = excluded.records",
  );
  db.transaction(() => {
    refreshMatchIndex(db);
    recordSource.run(source, new Date().toISOString(), stats.imported + stats.unchanged);
    if (stats.imported > 0) bumpDataVersion(db);
  })();
  return stats;
}

function recordWriter(
  db: VulnDatabase,
  source: string,
): (records: readonly OsvRecord[]) => { imported: number; unchanged: number } {
  const stored = db.prepare<[string], { modified: string }>("SELECT modified FROM advisories WHERE id = ?");
  const removeAffected = db.prepare("DELETE FROM affected WHERE advisory_id = ?");
  const stale = staleMarker(db);
  const upsert = db.prepare(
    `INSERT INTO advisories (id, modified, published, withdrawn, summary, aliases, upstream, severity, severity_label, refs, source)
     VALUES (@id, @modified, @published, @withdrawn, @summary, @aliases, @upstream, @severity, @severityLabel, @refs, @source)
     ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, published = excluded.published, withdrawn = excluded.withdrawn,
       summary = excluded.summary, aliases = excluded.aliases, upstream = excluded.upstream, severity = excluded.severity,
       severity_label = excluded.severity_label, refs = excluded.refs, source = excluded.source`,
  );
  const insertAffected = db.prepare(
    `INSERT INTO affected (advisory_id, ecosystem, base_ecosystem, name, ranges, versions, severity, severity_label)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db.transaction((records: readonly OsvRecord[]) => {
    let imported = 0;
    let unchanged = 0;
    for (const record of records) {
      const previous = stored.get(record.id);
      if (previous && Date.parse(previous.modified) >= Date.parse(record.modified)) {
        unchanged += 1;
        continue;
      }
      if (previous) stale.advisory(record.id);
      removeAffected.run(record.id);
      upsert.run({
        id: record.id,
        modified: record.modified,
        published: record.published ?? null,
        withdrawn: record.withdrawn ?? null,
        summary: record.summary ?? null,
        aliases: JSON.stringify(record.aliases),
        upstream: JSON.stringify(record.upstream),
        severity: JSON.stringify(record.severity),
        severityLabel: record.severityLabel ?? null,
        refs: JSON.stringify(record.references.slice(0, 20)),
        source,
      });
      for (const entry of record.affected) {
        const base = baseEcosystemOf(entry.ecosystem);
        const name = normalizePackageName(base, entry.name);
        stale.name(base, name);
        insertAffected.run(
          record.id,
          entry.ecosystem,
          base,
          name,
          JSON.stringify(entry.ranges),
          JSON.stringify(entry.versions),
          JSON.stringify(entry.severity),
          entry.severityLabel ?? null,
        );
      }
      imported += 1;
    }
    return { imported, unchanged };
  });
}

type ReadEntry = () => Promise<Buffer>;

/**
 * Visits every entry of a zip file in central-directory order, reading an entry's bytes only when
 * asked (capped). The file is read in large sequential windows and entries are inflated
 * synchronously: osv.dev exports hold tens of thousands of small records, and a stream, a zlib
 * handle and several thread-pool reads per entry cost far more than the records themselves.
 */
async function forEachZipEntry(path: string, visit: (name: string, read: ReadEntry) => Promise<void>): Promise<void> {
  let file: FileHandle;
  let entries: ZipEntry[];
  let size: number;
  try {
    file = await open(path, "r");
  } catch (error) {
    throw new InputError(`${path} is not a readable zip: ${errorMessage(error)}`, { cause: error });
  }
  try {
    try {
      size = (await file.stat()).size;
      entries = await readCentralDirectory(file, size);
    } catch (error) {
      const message = `${path} is not a readable zip: ${errorMessage(error)}`;
      throw error instanceof LimitError
        ? new LimitError(message, { cause: error })
        : new InputError(message, { cause: error });
    }
    const window = new ReadWindow(file, size);
    for (const entry of entries) {
      await visit(entry.name, () => entryBytes(window, entry));
    }
  } finally {
    await file.close();
  }
}

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const signatures = {
  endOfDirectory: 0x06054b50,
  zip64Locator: 0x07064b50,
  zip64EndOfDirectory: 0x06064b50,
  directoryEntry: 0x02014b50,
  localHeader: 0x04034b50,
} as const;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const maxEndSearch = 22 + 0xffff;
const maxDirectoryBytes = 512 * 1024 * 1024;
const windowBytes = 8 * 1024 * 1024;

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + filled}`);
    filled += bytesRead;
  }
  return buffer;
}

/** The central directory (PKWARE APPNOTE 4.3.12-4.3.16), ZIP64 included. */
async function readCentralDirectory(file: FileHandle, fileSize: number): Promise<ZipEntry[]> {
  const tailStart = Math.max(0, fileSize - maxEndSearch);
  const tail = await readAt(file, tailStart, fileSize - tailStart);
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === signatures.endOfDirectory) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error("end of central directory record not found (not a zip file, or a truncated one)");
  let count = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== signatures.zip64Locator) {
      throw new Error("ZIP64 end of central directory locator not found");
    }
    const record = await readAt(file, safeNumber(tail.readBigUInt64LE(locator + 8)), 56);
    if (record.readUInt32LE(0) !== signatures.zip64EndOfDirectory) {
      throw new Error("invalid ZIP64 end of central directory record signature");
    }
    count = safeNumber(record.readBigUInt64LE(32));
    directorySize = safeNumber(record.readBigUInt64LE(40));
    directoryOffset = safeNumber(record.readBigUInt64LE(48));
  }
  if (directorySize > maxDirectoryBytes) {
    throw new LimitError(`central directory of ${directorySize} bytes is over the ${maxDirectoryBytes}-byte limit`);
  }
  if (directoryOffset + directorySize > fileSize) throw new Error("central directory extends past the end of the file");
  const directory = await readAt(file, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== signatures.directoryEntry) {
      throw new Error(`invalid central directory file header signature at entry ${index}`);
    }
    const flags = directory.readUInt16LE(at + 8);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directory.length) throw new Error(`central directory entry ${index} runs past the directory`);
    const nameBytes = directory.subarray(at + 46, at + 46 + nameLength);
    const entry: ZipEntry = {
      // Bit 11: the name is UTF-8; otherwise it is CP437, which agrees with latin1 on the ASCII names zips hold.
      name: nameBytes.toString(flags & 0x800 ? "utf8" : "latin1"),
      flags,
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    applyZip64Extra(entry, directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.push(entry);
    at = next;
  }
  return entries;
}

/** Sizes and offsets that do not fit 32 bits are in the ZIP64 extra field, in this order, when marked 0xffffffff. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  if (entry.size !== 0xffffffff && entry.compressedSize !== 0xffffffff && entry.localHeaderOffset !== 0xffffffff) {
    return;
  }
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const take = (): number => {
        if (field + 8 > at + 4 + length) throw new Error(`${entry.name}: ZIP64 extra field too short`);
        const value = safeNumber(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = take();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
      return;
    }
    at += 4 + length;
  }
  throw new Error(`${entry.name}: ZIP64 sizes marked but no ZIP64 extra field`);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("ZIP64 value too large");
  return Number(value);
}

/** Serves byte ranges from large sequential reads; entries of an export are stored in order. */
class ReadWindow {
  readonly #file: FileHandle;
  readonly #size: number;
  #start = 0;
  #bytes: Buffer = Buffer.alloc(0);

  constructor(file: FileHandle, size: number) {
    this.#file = file;
    this.#size = size;
  }

  async slice(position: number, length: number): Promise<Buffer> {
    const offset = position - this.#start;
    if (offset >= 0 && offset + length <= this.#bytes.length) return this.#bytes.subarray(offset, offset + length);
    if (position + length > this.#size) throw new Error("entry data runs past the end of the file");
    this.#start = position;
    this.#bytes = await readAt(this.#file, position, Math.min(this.#size - position, Math.max(length, windowBytes)));
    return this.#bytes.subarray(0, length);
  }
}

/** An entry's uncompressed bytes, checked against the sizes the central directory declares. */
async function entryBytes(window: ReadWindow, entry: ZipEntry): Promise<Buffer> {
  if (entry.size > maxRecordBytes) {
    throw new Error(`entry of ${entry.size} bytes is over the ${maxRecordBytes}-byte limit`);
  }
  if (entry.flags & 0x1) throw new Error("entry is encrypted");
  const header = await window.slice(entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== signatures.localHeader) throw new Error("invalid local file header signature");
  const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const compressed = await window.slice(dataStart, entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) {
    data = Buffer.from(compressed);
  } else if (entry.method === 8) {
    try {
      data = inflateRawSync(compressed, { maxOutputLength: maxRecordBytes });
    } catch (error) {
      throw new Error(`cannot inflate: ${errorMessage(error)}`, { cause: error });
    }
  } else {
    throw new Error(`unsupported compression method: ${entry.method}`);
  }
  if (data.length !== entry.size) {
    throw new Error(`entry holds ${data.length} bytes, the central directory says ${entry.size}`);
  }
  return data;
}
