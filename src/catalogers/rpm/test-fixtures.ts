// Builders for the tests of this folder: RPM header images and the three database formats holding
// them, written from the format descriptions in bdb.ts, ndb.ts and rpm-header.ts. Not used by the
// cataloger itself.
import Database from "better-sqlite3";
import { tagType } from "./rpm-header.ts";

export type TagInput =
  | { tag: number; type: typeof tagType.string | typeof tagType.i18nString; value: string }
  | { tag: number; type: typeof tagType.stringArray; value: string[] }
  | { tag: number; type: typeof tagType.int32; value: number[] }
  | { tag: number; type: typeof tagType.int64; value: bigint[] }
  | { tag: number; type: typeof tagType.bin; value: Buffer };

const alignment: Partial<Record<number, number>> = { [tagType.int32]: 4, [tagType.int64]: 8 };

/** A header image: big-endian index entries in the given order, values packed (and aligned) in the data store. */
export function rpmHeader(tags: readonly TagInput[]): Buffer {
  const index = Buffer.alloc(tags.length * 16);
  const chunks: Buffer[] = [];
  let length = 0;
  tags.forEach((input, i) => {
    const align = alignment[input.type] ?? 1;
    if (length % align !== 0) {
      chunks.push(Buffer.alloc(align - (length % align)));
      length += align - (length % align);
    }
    const { bytes, count } = encode(input);
    index.writeUInt32BE(input.tag, i * 16);
    index.writeUInt32BE(input.type, i * 16 + 4);
    index.writeUInt32BE(length, i * 16 + 8);
    index.writeUInt32BE(count, i * 16 + 12);
    chunks.push(bytes);
    length += bytes.length;
  });
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(tags.length, 0);
  preamble.writeUInt32BE(length, 4);
  return Buffer.concat([preamble, index, ...chunks]);
}

function encode(input: TagInput): { bytes: Buffer; count: number } {
  switch (input.type) {
    case tagType.string:
    case tagType.i18nString:
      return { bytes: Buffer.from(`${input.value}\0`), count: 1 };
    case tagType.stringArray:
      return { bytes: Buffer.from(input.value.map((s) => `${s}\0`).join("")), count: input.value.length };
    case tagType.int32: {
      const bytes = Buffer.alloc(4 * input.value.length);
      input.value.forEach((v, i) => bytes.writeUInt32BE(v, 4 * i));
      return { bytes, count: input.value.length };
    }
    case tagType.int64: {
      const bytes = Buffer.alloc(8 * input.value.length);
      input.value.forEach((v, i) => bytes.writeBigUInt64BE(v, 8 * i));
      return { bytes, count: input.value.length };
    }
    case tagType.bin:
      return { bytes: input.value, count: input.value.length };
  }
}

export interface PackageFields {
  name: string;
  version: string;
  release?: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  license?: string;
  vendor?: string;
  size?: number;
  provides?: string[];
}

/** A header with the usual tags of an installed package. */
export function packageHeader(fields: PackageFields): Buffer {
  const tags: TagInput[] = [
    { tag: 1000, type: tagType.string, value: fields.name },
    { tag: 1001, type: tagType.string, value: fields.version },
  ];
  const text = (tag: number, value: string | undefined): void => {
    if (value !== undefined) tags.push({ tag, type: tagType.string, value });
  };
  text(1002, fields.release);
  if (fields.epoch !== undefined) tags.push({ tag: 1003, type: tagType.int32, value: [fields.epoch] });
  if (fields.size !== undefined) tags.push({ tag: 1009, type: tagType.int32, value: [fields.size] });
  text(1011, fields.vendor);
  text(1014, fields.license);
  text(1022, fields.arch);
  text(1044, fields.sourceRpm);
  if (fields.provides) tags.push({ tag: 1047, type: tagType.stringArray, value: fields.provides });
  return rpmHeader(tags);
}

export interface BerkeleyDbOptions {
  littleEndian?: boolean;
  pageSize?: number;
  /** Values up to this size are stored in place on the hash page, larger ones on overflow pages. */
  inPageMax?: number;
}

export interface BerkeleyDbImage {
  bytes: Buffer;
  pageSize: number;
  /** The overflow pages of each value, in chain order (empty for values stored in place). */
  chains: number[][];
  /** Byte offset of each value's data item on the hash page (page 1). */
  items: number[];
}

/** A Berkeley DB hash file: metadata page, one hash page (keys 1..n), overflow pages for big values. */
export function berkeleyDb(values: readonly Buffer[], options: BerkeleyDbOptions = {}): BerkeleyDbImage {
  const { littleEndian = true, pageSize = 512, inPageMax = 64 } = options;
  const room = pageSize - 26;
  const chains: number[][] = [];
  let nextPage = 2;
  for (const value of values) {
    const pages = value.length <= inPageMax ? 0 : Math.ceil(value.length / room);
    chains.push(Array.from({ length: pages }, () => nextPage++));
  }
  const bytes = Buffer.alloc(nextPage * pageSize);
  const u16 = (at: number, v: number): void => {
    if (littleEndian) bytes.writeUInt16LE(v, at);
    else bytes.writeUInt16BE(v, at);
  };
  const u32 = (at: number, v: number): void => {
    if (littleEndian) bytes.writeUInt32LE(v, at);
    else bytes.writeUInt32BE(v, at);
  };
  u32(12, 0x061561);
  u32(16, 9);
  u32(20, pageSize);
  bytes[25] = 8;
  u32(32, nextPage - 1);

  const hash = pageSize;
  u32(hash + 8, 1);
  u16(hash + 20, 2 * values.length);
  bytes[hash + 25] = 13;
  let cursor = pageSize;
  let slot = 0;
  const place = (item: Buffer): number => {
    cursor -= item.length;
    if (cursor < 26 + 2 * 2 * values.length) throw new Error("fixture: too many items for one hash page");
    item.copy(bytes, hash + cursor);
    u16(hash + 26 + 2 * slot++, cursor);
    return hash + cursor;
  };
  const items: number[] = [];
  values.forEach((value, i) => {
    const key = Buffer.alloc(5);
    key[0] = 1;
    key.writeUInt32LE(i + 1, 1);
    place(key);
    const chain = chains[i] ?? [];
    if (chain.length === 0) {
      items.push(place(Buffer.concat([Buffer.from([1]), value])));
      return;
    }
    const ref = Buffer.alloc(12);
    ref[0] = 3;
    if (littleEndian) {
      ref.writeUInt32LE(chain[0] ?? 0, 4);
      ref.writeUInt32LE(value.length, 8);
    } else {
      ref.writeUInt32BE(chain[0] ?? 0, 4);
      ref.writeUInt32BE(value.length, 8);
    }
    items.push(place(ref));
    chain.forEach((pgno, n) => {
      const page = pgno * pageSize;
      const part = value.subarray(n * room, (n + 1) * room);
      u32(page + 8, pgno);
      u32(page + 12, n === 0 ? 0 : (chain[n - 1] ?? 0));
      u32(page + 16, chain[n + 1] ?? 0);
      u16(page + 20, 1);
      u16(page + 22, part.length);
      bytes[page + 25] = 7;
      part.copy(bytes, page + 26);
    });
  });
  u16(hash + 22, cursor);
  return { bytes, pageSize, chains, items };
}

export interface NdbImage {
  bytes: Buffer;
  /** Byte offset of each value's slot. */
  slots: number[];
  /** Byte offset of each value's blob header. */
  blobs: number[];
}

/** An ndb Packages.db: header, one slot page, then one blob per value. */
export function ndb(values: readonly Buffer[]): NdbImage {
  const header = Buffer.alloc(4096);
  header.write("RpmP", 0, "latin1");
  header.writeUInt32LE(0, 4);
  header.writeUInt32LE(1, 8);
  header.writeUInt32LE(1, 12);
  header.writeUInt32LE(values.length + 1, 16);
  for (let at = 32; at < 4096; at += 16) header.write("Slot", at, "latin1");
  const blobs: Buffer[] = [];
  const slots: number[] = [];
  const starts: number[] = [];
  let offset = 4096;
  values.forEach((value, i) => {
    const blocks = Math.ceil((16 + value.length + 12) / 16);
    const blob = Buffer.alloc(blocks * 16);
    blob.write("BlbS", 0, "latin1");
    blob.writeUInt32LE(i + 1, 4);
    blob.writeUInt32LE(1, 8);
    blob.writeUInt32LE(value.length, 12);
    value.copy(blob, 16);
    blob.writeUInt32LE(value.length, blob.length - 8);
    blob.write("BlbE", blob.length - 4, "latin1");
    const slot = 32 + 16 * i;
    header.writeUInt32LE(i + 1, slot + 4);
    header.writeUInt32LE(offset / 16, slot + 8);
    header.writeUInt32LE(blocks, slot + 12);
    slots.push(slot);
    starts.push(offset);
    blobs.push(blob);
    offset += blob.length;
  });
  return { bytes: Buffer.concat([header, ...blobs]), slots, blobs: starts };
}

/** An rpmdb.sqlite image with table Packages(hnum, blob), flagged as WAL-mode the way rpm leaves it. */
export function sqliteDb(rows: ReadonlyArray<Buffer | string>): Buffer {
  const db = new Database(":memory:");
  try {
    db.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
    const insert = db.prepare("INSERT INTO Packages (blob) VALUES (?)");
    for (const row of rows) insert.run(row);
    const bytes = db.serialize();
    bytes[18] = 2;
    bytes[19] = 2;
    return bytes;
  } finally {
    db.close();
  }
}
