// An RPM header image as the rpm databases store it: no lead and no 8-byte header magic, just
//   il (u32 BE: index entry count), dl (u32 BE: data store length),
//   il index entries of 16 bytes (tag, type, offset into the data store, count; all u32 BE),
//   dl bytes of data store.
// Every value is read with bounds checks; a bad entry makes only that tag unreadable.

/** Value types of index entries (rpm's rpmTagType). */
export const tagType = {
  null: 0,
  char: 1,
  int8: 2,
  int16: 3,
  int32: 4,
  int64: 5,
  string: 6,
  bin: 7,
  stringArray: 8,
  i18nString: 9,
} as const;

/** The tags this cataloger reads (rpm's rpmTag). */
export const rpmTag = {
  sigmd5: 261,
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  size: 1009,
  vendor: 1011,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
  provideName: 1047,
  requireName: 1049,
  longSize: 5009,
  modularityLabel: 5096,
} as const;

/** rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX): anything larger is not a header rpm wrote. */
const maxEntries = 0xffff;
const maxDataBytes = 0x0fffffff;
const entrySize = 16;
const preambleSize = 8;

interface IndexEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

export interface RpmHeader {
  /** By tag; a later entry with the same tag replaces an earlier one, as rpm does with "dribble" entries. */
  readonly entries: ReadonlyMap<number, IndexEntry>;
  readonly data: Buffer;
}

/** The index and data store of a header blob, or why it is unreadable. */
export function readHeader(blob: Buffer): RpmHeader | Error {
  if (blob.length < preambleSize) return new Error(`header of ${blob.length} bytes is too short`);
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0 || il > maxEntries) return new Error(`header claims ${il} index entries`);
  if (dl > maxDataBytes) return new Error(`header claims a data store of ${dl} bytes`);
  const dataStart = preambleSize + il * entrySize;
  if (dataStart + dl > blob.length) {
    return new Error(`header needs ${dataStart + dl} bytes (${il} entries, ${dl} data bytes), blob has ${blob.length}`);
  }
  const entries = new Map<number, IndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = preambleSize + i * entrySize;
    const entry = {
      tag: blob.readUInt32BE(at),
      type: blob.readUInt32BE(at + 4),
      offset: blob.readUInt32BE(at + 8),
      count: blob.readUInt32BE(at + 12),
    };
    entries.set(entry.tag, entry);
  }
  return { entries, data: blob.subarray(dataStart, dataStart + dl) };
}

/** A tag's value: undefined when the tag is absent, an Error when it is present but unreadable. */
export type TagValue<T> = T | undefined | Error;

/** A STRING (or I18NSTRING: its first translation) tag. */
export function stringTag(header: RpmHeader, tag: number): TagValue<string> {
  const entry = header.entries.get(tag);
  if (!entry) return undefined;
  if (entry.type !== tagType.string && entry.type !== tagType.i18nString) return wrongType(tag, entry);
  const strings = readStrings(header.data, entry.offset, 1);
  return strings instanceof Error ? tagError(tag, strings) : strings[0];
}

/** A STRING_ARRAY tag of at most `limit` strings. */
export function stringArrayTag(header: RpmHeader, tag: number, limit: number): TagValue<string[]> {
  const entry = header.entries.get(tag);
  if (!entry) return undefined;
  if (entry.type !== tagType.stringArray) return wrongType(tag, entry);
  if (entry.count > limit) return tagError(tag, new Error(`${entry.count} strings, more than the cap of ${limit}`));
  const strings = readStrings(header.data, entry.offset, entry.count);
  return strings instanceof Error ? tagError(tag, strings) : strings;
}

/** The first value of an INT32 tag (unsigned, as rpm prints it). */
export function int32Tag(header: RpmHeader, tag: number): TagValue<number> {
  const entry = header.entries.get(tag);
  if (!entry) return undefined;
  if (entry.type !== tagType.int32) return wrongType(tag, entry);
  const bytes = slice(header.data, entry.offset, 4, entry.count);
  return bytes instanceof Error ? tagError(tag, bytes) : bytes.readUInt32BE(0);
}

/** The first value of an INT64 tag, when it is a safe integer. */
export function int64Tag(header: RpmHeader, tag: number): TagValue<number> {
  const entry = header.entries.get(tag);
  if (!entry) return undefined;
  if (entry.type !== tagType.int64) return wrongType(tag, entry);
  const bytes = slice(header.data, entry.offset, 8, entry.count);
  if (bytes instanceof Error) return tagError(tag, bytes);
  const value = bytes.readBigUInt64BE(0);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : tagError(tag, new Error(`${value} is too large`));
}

/** A BIN tag's bytes. */
export function binTag(header: RpmHeader, tag: number): TagValue<Buffer> {
  const entry = header.entries.get(tag);
  if (!entry) return undefined;
  if (entry.type !== tagType.bin) return wrongType(tag, entry);
  const bytes = slice(header.data, entry.offset, 1, entry.count);
  return bytes instanceof Error ? tagError(tag, bytes) : bytes;
}

function slice(data: Buffer, offset: number, width: number, count: number): Buffer | Error {
  if (count === 0) return new Error("count is 0");
  const length = width * count;
  if (offset > data.length || length > data.length - offset) {
    return new Error(`${length} bytes at offset ${offset} run past the ${data.length}-byte data store`);
  }
  return data.subarray(offset, offset + length);
}

/** `count` NUL-terminated UTF-8 strings from `offset`. */
function readStrings(data: Buffer, offset: number, count: number): string[] | Error {
  // Each string takes at least its NUL byte, so a count beyond the data store cannot be honest.
  if (count > data.length) return new Error(`${count} strings cannot fit in a ${data.length}-byte data store`);
  const strings: string[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at >= data.length) return new Error(`string ${i + 1} of ${count} starts past the data store (offset ${at})`);
    const end = data.indexOf(0, at);
    if (end < 0) return new Error(`string at offset ${at} has no terminating NUL`);
    strings.push(data.toString("utf8", at, end));
    at = end + 1;
  }
  return strings;
}

function wrongType(tag: number, entry: IndexEntry): Error {
  return new Error(`tag ${tag} has unexpected type ${entry.type}`);
}

function tagError(tag: number, error: Error): Error {
  return new Error(`tag ${tag}: ${error.message}`);
}
