import { inflateRawSync } from "node:zlib";
import { InputError, LimitError } from "../../errors.ts";

/**
 * A small, synchronous reader of zip archives held in memory (PKWARE APPNOTE: end of central
 * directory, ZIP64, central directory, local headers). It lists entries from the central
 * directory and inflates one entry at a time with a hard output cap, so a lying size field can
 * never make it allocate more than the caller allowed.
 */

export interface ZipEntry {
  /** The entry's path inside the archive, as written ("META-INF/MANIFEST.MF", "WEB-INF/lib/x.jar"). */
  name: string;
  /** 0 stored, 8 deflated; anything else is refused when read. */
  method: number;
  flags: number;
  compressedSize: number;
  /** The uncompressed size the central directory declares. */
  size: number;
  /** Offset of the local header in the buffer (data prepended to the archive already accounted for). */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** The central directory lists more entries than `maxEntries`: only the first ones are returned. */
  truncated: boolean;
  /** The central directory is damaged after the returned entries. */
  damage?: string;
}

const endOfCentralDirectory = 0x06054b50;
const zip64Locator = 0x07064b50;
const zip64EndOfCentralDirectory = 0x06064b50;
const centralHeader = 0x02014b50;
const localHeader = 0x04034b50;
const encrypted = 0x1;

/** Lists up to `maxEntries` entries; throws InputError when no central directory can be found. */
export function readZipDirectory(zip: Buffer, maxEntries: number): ZipDirectory {
  const end = findEndOfCentralDirectory(zip);
  if (end < 0) throw new InputError("not a zip archive (no end of central directory record)");
  let count = zip.readUInt16LE(end + 10);
  let size = zip.readUInt32LE(end + 12);
  let offset = zip.readUInt32LE(end + 16);
  // Where the central directory is expected to end: before the ZIP64 record when there is one.
  let directoryEnd = end;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const record = findZip64Record(zip, end);
    if (record >= 0) {
      count = safeNumber(zip.readBigUInt64LE(record + 32));
      size = safeNumber(zip.readBigUInt64LE(record + 40));
      offset = safeNumber(zip.readBigUInt64LE(record + 48));
      directoryEnd = record;
    }
  }
  if (count === 0) return { entries: [], truncated: false };

  // Data prepended to the archive (a launch script before a Spring Boot jar) shifts every
  // offset; the distance between where the directory is and where it says it is gives the shift.
  let start = offset;
  if (!hasSignature(zip, start, centralHeader)) {
    start = directoryEnd - size;
    if (start < 0 || !hasSignature(zip, start, centralHeader)) {
      throw new InputError("not a zip archive (the central directory is not where the archive says)");
    }
  }
  const shift = start - offset;

  const entries: ZipEntry[] = [];
  let position = start;
  for (let n = 0; n < count; n++) {
    if (entries.length >= maxEntries) return { entries, truncated: true };
    if (!hasSignature(zip, position, centralHeader) || position + 46 > zip.length) {
      return { entries, truncated: false, damage: `the central directory ends after ${n} of ${count} entries` };
    }
    const nameLength = zip.readUInt16LE(position + 28);
    const extraLength = zip.readUInt16LE(position + 30);
    const commentLength = zip.readUInt16LE(position + 32);
    const next = position + 46 + nameLength + extraLength + commentLength;
    if (next > zip.length) {
      return { entries, truncated: false, damage: `the central directory ends after ${n} of ${count} entries` };
    }
    const name = zip.toString("utf8", position + 46, position + 46 + nameLength);
    const extra = zip.subarray(position + 46 + nameLength, position + 46 + nameLength + extraLength);
    const sizes = zip64Sizes(extra, {
      size: zip.readUInt32LE(position + 24),
      compressedSize: zip.readUInt32LE(position + 20),
      localHeaderOffset: zip.readUInt32LE(position + 42),
    });
    entries.push({
      name,
      method: zip.readUInt16LE(position + 10),
      flags: zip.readUInt16LE(position + 8),
      compressedSize: sizes.compressedSize,
      size: sizes.size,
      localHeaderOffset: sizes.localHeaderOffset + shift,
    });
    position = next;
  }
  return { entries, truncated: false };
}

/**
 * The entry's content. Stored entries are returned as a view into `zip` (no copy); deflated ones
 * are inflated with their declared size as a hard cap. Throws InputError for damaged or
 * unsupported entries and LimitError when the data inflates past the declared size.
 */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  if ((entry.flags & encrypted) !== 0) throw new InputError("the entry is encrypted");
  const header = entry.localHeaderOffset;
  if (header < 0 || !hasSignature(zip, header, localHeader) || header + 30 > zip.length) {
    throw new InputError("the entry's local header is missing");
  }
  const dataStart = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > zip.length) throw new InputError("the entry's data runs past the end of the archive");
  const data = zip.subarray(dataStart, dataEnd);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new InputError("a stored entry whose two sizes differ");
    return data;
  }
  if (entry.method !== 8) throw new InputError(`compression method ${entry.method} is not supported`);
  if (entry.size === 0) return Buffer.alloc(0);
  try {
    // One output chunk of the declared size: zlib's default 16 KiB chunks are joined at the end,
    // which holds the entry twice in memory.
    return inflateRawSync(data, {
      maxOutputLength: entry.size,
      chunkSize: Math.min(Math.max(entry.size + 1, 64), 2 ** 30),
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new LimitError(`the entry inflates past its declared size of ${entry.size} bytes`);
    }
    throw new InputError(`the entry does not inflate: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === endOfCentralDirectory && at + 22 + zip.readUInt16LE(at + 20) <= zip.length) {
      return at;
    }
  }
  return -1;
}

/** The ZIP64 end of central directory record, or -1. */
function findZip64Record(zip: Buffer, end: number): number {
  const locator = end - 20;
  if (locator < 0 || !hasSignature(zip, locator, zip64Locator)) return -1;
  const declared = safeNumber(zip.readBigUInt64LE(locator + 8));
  // The record usually sits right before the locator; prepended data moves it from where it says.
  for (const at of [declared, locator - 56]) {
    if (at >= 0 && at + 56 <= locator && hasSignature(zip, at, zip64EndOfCentralDirectory)) return at;
  }
  return -1;
}

interface Sizes {
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Replaces the 32-bit fields marked 0xffffffff by their values in the ZIP64 extra field. */
function zip64Sizes(extra: Buffer, sizes: Sizes): Sizes {
  const full = 0xffffffff;
  if (sizes.size !== full && sizes.compressedSize !== full && sizes.localHeaderOffset !== full) return sizes;
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      const out = { ...sizes };
      let field = at + 4;
      const limit = Math.min(at + 4 + length, extra.length);
      const take = (): number | undefined => {
        if (field + 8 > limit) return undefined;
        const value = safeNumber(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (sizes.size === full) out.size = take() ?? full;
      if (sizes.compressedSize === full) out.compressedSize = take() ?? full;
      if (sizes.localHeaderOffset === full) out.localHeaderOffset = take() ?? full;
      return out;
    }
    at += 4 + length;
  }
  return sizes;
}

function hasSignature(zip: Buffer, at: number, signature: number): boolean {
  return at >= 0 && at + 4 <= zip.length && zip.readUInt32LE(at) === signature;
}

/** A 64-bit size as a number; sizes past 2^53 cannot be real here, so they saturate. */
function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
