/** Bounds-checked reads of fixed-width integers: undefined when the bytes lie outside the buffer. */

export function u16(buf: Buffer, offset: number, littleEndian: boolean): number | undefined {
  if (!inside(buf, offset, 2)) return undefined;
  return littleEndian ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
}

export function u32(buf: Buffer, offset: number, littleEndian: boolean): number | undefined {
  if (!inside(buf, offset, 4)) return undefined;
  return littleEndian ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}

/** A 64-bit value, or undefined when it does not fit a JavaScript number exactly (no file offset or address we follow is that large). */
export function u64(buf: Buffer, offset: number, littleEndian: boolean): number | undefined {
  if (!inside(buf, offset, 8)) return undefined;
  const value = littleEndian ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

/** A 32- or 64-bit word. */
export function word(buf: Buffer, offset: number, size: 4 | 8, littleEndian: boolean): number | undefined {
  return size === 8 ? u64(buf, offset, littleEndian) : u32(buf, offset, littleEndian);
}

/** The NUL-terminated (or `max`-byte) string at `offset`, as Latin-1; undefined outside the buffer. */
export function fixedString(buf: Buffer, offset: number, max: number): string | undefined {
  if (!inside(buf, offset, 1)) return undefined;
  const bytes = buf.subarray(offset, Math.min(offset + max, buf.length));
  const nul = bytes.indexOf(0);
  return bytes.toString("latin1", 0, nul >= 0 ? nul : bytes.length);
}

export function inside(buf: Buffer, offset: number, length: number): boolean {
  return Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= buf.length;
}
