/**
 * One 512-byte header block of a layer tar, decoded the way tar-stream (the streaming walk) decodes it,
 * so a layer walked in place yields what the stream would: the same names, types, sizes and errors.
 */
import { InputError } from "../errors.ts";
import type { EntryHeader } from "./walk-tar.ts";

export const tarBlock = 512;

/** GNU long names and pax records, which describe the entry after them. */
export type ExtensionKind = "gnu-long-path" | "gnu-long-link-path" | "pax-header" | "pax-global-header";

export type DecodedBlock =
  | { kind: "end" }
  | { kind: "extension"; extension: ExtensionKind; size: number }
  | { kind: "entry"; header: EntryHeader };

/** tar-stream's error texts: the walk's messages (and describeStreamError) read the same either way. */
export const tarErrors = {
  checksum: "Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?",
  format: "Invalid tar header: unknown format.",
  size: "Invalid header",
  extensionSize: "Header exceeds max size",
  truncated: "Unexpected end of data",
} as const;

/** Largest GNU long-name or pax record body tar-stream reads into memory. */
export const maxExtensionBytes = 4 * 1024 * 1024;

const ustarMagic = Buffer.from("ustar\0", "latin1");
const gnuMagic = Buffer.from("ustar ", "latin1");
const gnuVersion = Buffer.from(" \0", "latin1");
const typeByFlag: Record<number, EntryHeader["type"] | ExtensionKind> = {
  0: "file",
  1: "link",
  2: "symlink",
  3: "character-device",
  4: "block-device",
  5: "directory",
  6: "fifo",
  7: "contiguous-file",
  72: "pax-header",
  55: "pax-global-header",
  27: "gnu-long-link-path",
  28: "gnu-long-path",
  30: "gnu-long-path",
};

/** Throws Error with tar-stream's message for a bad checksum, an unknown format or a bad size. */
export function decodeBlock(block: Buffer): DecodedBlock {
  const sum = checksum(block);
  // Every byte but the checksum field is zero: an end-of-archive block, which tar-stream steps over.
  if (sum === 8 * 32) return { kind: "end" };
  if (sum !== octal(block, 148, 8)) throw new InputError(tarErrors.checksum);
  const ustar = block.subarray(257, 263).equals(ustarMagic);
  if (!ustar && !(block.subarray(257, 263).equals(gnuMagic) && block.subarray(263, 265).equals(gnuVersion))) {
    throw new InputError(tarErrors.format);
  }
  const flag = block[156] === 0 ? 0 : (block[156] ?? 0) - 48;
  // An entry's size is checked once its pax records are applied (see checkedSize), as tar-stream does.
  const size = octal(block, 124, 12);
  const type = typeByFlag[flag] ?? null;
  if (
    type === "pax-header" ||
    type === "pax-global-header" ||
    type === "gnu-long-path" ||
    type === "gnu-long-link-path"
  ) {
    if (!(size >= 0)) throw new InputError(tarErrors.size);
    if (size > maxExtensionBytes) throw new InputError(tarErrors.extensionSize);
    return { kind: "extension", extension: type, size };
  }
  let name = text(block, 0, 100);
  if (ustar && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
  return {
    kind: "entry",
    header: {
      name,
      linkname: text(block, 157, 100),
      // tar-stream 3 leaves a NUL-flag name with a trailing slash a file (its type is decided first).
      type,
      mode: octal(block, 100, 8),
      size,
    },
  };
}

/** GNU sparse files: old GNU headers (type 'S') and pax "GNU.sparse.*" records. */
export function isSparseHeader(block: Buffer): boolean {
  return block[156] === 0x53;
}

/** Overrides that GNU long names and pax records carry to the next entry. */
export class PendingExtensions {
  /** Some pax record (global or not) is a GNU.sparse one. */
  sparse = false;

  private longPath: string | undefined;
  private longLinkPath: string | undefined;
  private pax: Map<string, string> | undefined;
  private paxGlobal: Map<string, string> | undefined;

  add(extension: ExtensionKind, data: Buffer): void {
    switch (extension) {
      case "gnu-long-path":
        this.longPath = text(data, 0, data.length);
        break;
      case "gnu-long-link-path":
        this.longLinkPath = text(data, 0, data.length);
        break;
      case "pax-global-header":
        this.paxGlobal = paxRecords(data);
        this.noteSparse(this.paxGlobal);
        break;
      case "pax-header":
        // As in tar-stream, global records apply only through a later per-entry pax header.
        this.pax = new Map([...(this.paxGlobal ?? []), ...paxRecords(data)]);
        this.noteSparse(this.pax);
        break;
    }
  }

  private noteSparse(records: ReadonlyMap<string, string>): void {
    for (const key of records.keys()) if (key.startsWith("GNU.sparse.")) this.sparse = true;
  }

  /** Applies (and forgets) what is pending, in tar-stream's order: GNU names, then pax. */
  apply(header: EntryHeader): EntryHeader {
    const out = { ...header };
    if (this.longPath) out.name = this.longPath;
    if (this.longLinkPath) out.linkname = this.longLinkPath;
    const pax = this.pax;
    if (pax) {
      const path = pax.get("path");
      const linkPath = pax.get("linkpath");
      const size = pax.get("size");
      if (path) out.name = path;
      if (linkPath) out.linkname = linkPath;
      if (size) out.size = Number.parseInt(size, 10);
    }
    this.longPath = undefined;
    this.longLinkPath = undefined;
    this.pax = undefined;
    return out;
  }
}

/** The entry's size after pax records, or tar-stream's error for an unreadable or negative one. */
export function checkedSize(header: EntryHeader): number {
  if (!(header.size >= 0)) throw new InputError(tarErrors.size);
  return header.size;
}

function checksum(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i] ?? 0;
  for (let i = 156; i < tarBlock; i++) sum += block[i] ?? 0;
  return sum;
}

/** NUL-terminated UTF-8 text. */
function text(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString("utf8", offset, end === -1 || end > offset + length ? offset + length : end);
}

/** An octal field (leading spaces and NULs skipped, ended by a space), or GNU base-256; NaN when unreadable. */
function octal(block: Buffer, offset: number, length: number): number {
  const first = block[offset] ?? 0;
  if ((first & 0x80) !== 0) return base256(block.subarray(offset, offset + length));
  let start = offset;
  const stop = offset + length;
  while (start < stop && block[start] === 0x20) start++;
  let end = block.indexOf(0x20, start);
  if (end === -1 || end > stop) end = stop;
  while (start < end && block[start] === 0) start++;
  if (end === start) return 0;
  return Number.parseInt(block.toString("utf8", start, end), 8);
}

function base256(field: Buffer): number {
  const first = field[0];
  if (first !== 0x80 && first !== 0xff) return Number.NaN;
  let sum = 0;
  for (let i = 1; i < field.length; i++) {
    const byte = field[i] ?? 0;
    sum = sum * 256 + (first === 0x80 ? byte : 0xff - byte);
  }
  return first === 0x80 ? sum : -sum;
}

/** "LEN key=value\n" records; stops quietly at the first malformed one, as tar-stream does. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = data;
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== 0x20) space++;
    const length = Number.parseInt(rest.toString("utf8", 0, space), 10);
    if (!length) return records;
    const record = rest.toString("utf8", space + 1, length - 1);
    const equals = record.indexOf("=");
    if (equals === -1) return records;
    records.set(record.slice(0, equals), record.slice(equals + 1));
    rest = rest.subarray(length);
  }
  return records;
}
