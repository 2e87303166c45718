/** Decoding of one 512-byte tar header block (ustar, GNU and pax variants) and of pax extended records. */

export const tarBlockSize = 512;

export interface TarHeader {
  /** Name as written (ustar prefix joined), not yet normalised or overridden by long-name records. */
  name: string;
  linkName: string;
  size: number;
  /** The single-character type flag; "0" also stands for the old NUL flag. */
  typeFlag: string;
}

export class TarHeaderError extends Error {
  override readonly name = "TarHeaderError";
}

/** Returns undefined for an all-zero block (the end-of-archive marker). */
export function decodeTarHeader(block: Buffer): TarHeader | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const stored = readOctal(block.subarray(148, 156));
  if (stored === undefined || !checksumMatches(block, stored)) throw new TarHeaderError("bad tar header checksum");
  const rawFlag = block[156] ?? 0;
  let name = readText(block, 0, 100);
  const isPosixUstar = block.toString("latin1", 257, 263) === "ustar\0";
  if (isPosixUstar) {
    const prefix = readText(block, 345, 155);
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  let typeFlag = rawFlag === 0 ? "0" : String.fromCharCode(rawFlag);
  // pre-POSIX tars mark directories only by a trailing slash
  if (rawFlag === 0 && name.endsWith("/")) typeFlag = "5";
  return { name, linkName: readText(block, 157, 100), size: readNumber(block.subarray(124, 136)), typeFlag };
}

function checksumMatches(block: Buffer, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < tarBlockSize; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function readText(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString("utf8", 0, end === -1 ? field.length : end);
}

function readOctal(field: Buffer): number | undefined {
  const text = field.toString("latin1").replace(/\0.*$/s, "").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

/** A size field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(field: Buffer): number {
  const first = field[0] ?? 0;
  if ((first & 0x80) === 0) {
    const value = readOctal(field);
    if (value === undefined) throw new TarHeaderError("bad numeric field in tar header");
    return value;
  }
  if (first === 0xff) throw new TarHeaderError("negative size in tar header");
  let value = first & 0x7f;
  for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
  if (!Number.isSafeInteger(value)) throw new TarHeaderError("size in tar header is too large");
  return value;
}

/** Parses "LEN key=value\n" pax records; later records win, as in tar. */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space === -1) break;
    const length = Number.parseInt(data.toString("latin1", position, space), 10);
    if (!Number.isInteger(length) || length <= space - position || position + length > data.length) {
      throw new TarHeaderError("bad pax record");
    }
    const record = data.toString("utf8", space + 1, position + length - 1);
    const equals = record.indexOf("=");
    if (equals === -1) throw new TarHeaderError("bad pax record");
    records.set(record.slice(0, equals), record.slice(equals + 1));
    position += length;
  }
  return records;
}

/** The text of a GNU long-name record: NUL-terminated. */
export function decodeLongName(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString("utf8", 0, end === -1 ? data.length : end);
}
