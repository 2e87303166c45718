// The section tables of ELF, PE/COFF and Mach-O (thin and universal) files, read from a Buffer.
// Only headers and tables are read; every offset is checked against the buffer, so a truncated or
// hostile file gives an InputError, never an exception or an allocation sized by the file.
import { InputError } from "../../errors.ts";

export type ExecutableFormat = "elf" | "pe" | "macho";

export interface Section {
  name: string;
  /** Mach-O: the segment the section belongs to ("__DATA"); "" in ELF and PE. */
  segment: string;
  /** The address the file gives the section: ELF sh_addr, PE image base + RVA, Mach-O addr. */
  address: bigint;
  /** Where the section's bytes start in the buffer (for a universal Mach-O: from the start of the whole file). */
  offset: number;
  /** Bytes of the section stored in the file: 0 for sections without file data (ELF NOBITS, Mach-O zero-fill). */
  size: number;
}

export interface Executable {
  format: ExecutableFormat;
  bits: 32 | 64;
  littleEndian: boolean;
  sections: Section[];
}

/** More sections than any real linker writes; a table claiming more is treated as corrupt. */
export const maxSections = 65_536;
/** Mach-O load commands read at most. */
const maxLoadCommands = 65_536;
/** Section names longer than this are cut (ELF and PE long names live in string tables). */
const maxNameBytes = 4096;
/** `file(1)`'s rule: 0xcafebabe followed by a count below 20 is a universal binary, otherwise a Java class. */
const maxFatArchitectures = 20;

/**
 * Every executable image in the buffer: one for ELF and PE, one per architecture of a universal
 * Mach-O, none for a Java class file (which shares the universal binary's magic number). An
 * InputError when the format is unknown or the headers or tables are cut short or out of bounds.
 */
export function readExecutables(buffer: Buffer): Executable[] | InputError {
  try {
    if (buffer.length < 4) throw new Corrupt("unrecognized executable format");
    const magic = buffer.readUInt32BE(0);
    if (magic === 0x7f454c46) return [readElf(buffer)];
    if (buffer.readUInt16BE(0) === 0x4d5a) return [readPe(buffer)];
    if (magic === 0xcafebabe || magic === 0xcafebabf) return readFat(buffer, magic === 0xcafebabf);
    if (machoKind(magic) !== undefined) return [readMachO(buffer, 0, buffer.length)];
    throw new Corrupt("unrecognized executable format");
  } catch (error) {
    if (error instanceof Corrupt) return new InputError(error.message);
    throw error;
  }
}

/** The section's bytes (a view, not a copy), or an InputError when they lie outside the buffer. */
export function sectionData(buffer: Buffer, section: Section): Buffer | InputError {
  if (section.offset + section.size > buffer.length) {
    return new InputError(
      `section ${section.name} (${section.size} bytes at offset ${section.offset}) lies beyond the end of the file (${buffer.length} bytes): truncated?`,
    );
  }
  return buffer.subarray(section.offset, section.offset + section.size);
}

export interface SectionQuery {
  /** Mach-O only: the segment the section must belong to; any segment when left out. */
  segment?: string;
}

/** The bytes of the named section in every image of the file (several only for universal Mach-O). */
export function findSections(buffer: Buffer, name: string, query: SectionQuery = {}): Buffer[] | InputError {
  const images = readExecutables(buffer);
  if (images instanceof Error) return images;
  const found: Buffer[] = [];
  for (const image of images) {
    const section = image.sections.find(
      (s) =>
        s.name === name && (query.segment === undefined || image.format !== "macho" || s.segment === query.segment),
    );
    if (!section) continue;
    const data = sectionData(buffer, section);
    if (data instanceof Error) return data;
    found.push(data);
  }
  return found;
}

/** The bytes of the named section (the first image that has it), undefined when no image has it. */
export function findSection(buffer: Buffer, name: string, query: SectionQuery = {}): Buffer | undefined | InputError {
  const found = findSections(buffer, name, query);
  return found instanceof Error ? found : found[0];
}

// ---- bounds-checked reads ----

/** Thrown inside this module only; readExecutables turns it into an InputError. */
class Corrupt extends Error {}

interface Reader {
  u8(offset: number): number;
  u16(offset: number): number;
  u32(offset: number): number;
  /** A 64-bit field as a number: values past 2^53 come out approximate, and so fail any bounds check. */
  u64(offset: number): number;
  u64big(offset: number): bigint;
}

function reader(buffer: Buffer, littleEndian: boolean, what: string): Reader {
  const need = (offset: number, bytes: number): void => {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes > buffer.length) {
      throw new Corrupt(
        `${what}: header field at offset ${offset} lies beyond the end of the file (${buffer.length} bytes): truncated?`,
      );
    }
  };
  return {
    u8: (offset) => {
      need(offset, 1);
      return buffer.readUInt8(offset);
    },
    u16: (offset) => {
      need(offset, 2);
      return littleEndian ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset);
    },
    u32: (offset) => {
      need(offset, 4);
      return littleEndian ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
    },
    u64: (offset) => {
      need(offset, 8);
      return Number(littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset));
    },
    u64big: (offset) => {
      need(offset, 8);
      return littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset);
    },
  };
}

/** Throws unless `count` records of `size` bytes from `offset` lie inside [0, end). */
function requireTable(what: string, offset: number, count: number, size: number, end: number): void {
  if (offset < 0 || offset + count * size > end) {
    throw new Corrupt(
      `${what} (${count} entries at offset ${offset}) lies beyond the end of the file (${end} bytes): truncated?`,
    );
  }
}

/** A NUL-terminated name from [start, end), cut at maxNameBytes. */
function cString(buffer: Buffer, start: number, end: number): string {
  const limit = Math.min(end, buffer.length, start + maxNameBytes);
  if (start < 0 || start >= limit) return "";
  // Searched within the limit: a name without its NUL must not make every lookup scan the file.
  const nul = buffer.subarray(start, limit).indexOf(0);
  return buffer.toString("latin1", start, nul >= 0 ? start + nul : limit);
}

// ---- ELF ----

const elfSectionNoBits = 8;
const elfExtendedIndex = 0xffff;

function readElf(buffer: Buffer): Executable {
  if (buffer.length < 16) throw new Corrupt("ELF header: truncated");
  const elfClass = buffer[4];
  const elfData = buffer[5];
  if (elfClass !== 1 && elfClass !== 2) throw new Corrupt(`ELF header: unknown class ${elfClass}`);
  if (elfData !== 1 && elfData !== 2) throw new Corrupt(`ELF header: unknown data encoding ${elfData}`);
  const bits = elfClass === 2 ? 64 : 32;
  const littleEndian = elfData === 1;
  const r = reader(buffer, littleEndian, "ELF header");
  const wide = bits === 64;

  const tableOffset = wide ? r.u64(0x28) : r.u32(0x20);
  const entrySize = r.u16(wide ? 0x3a : 0x2e);
  let count = r.u16(wide ? 0x3c : 0x30);
  let namesIndex = r.u16(wide ? 0x3e : 0x32);
  // No section table (stripped of section headers): nothing to find.
  if (tableOffset === 0) return { format: "elf", bits, littleEndian, sections: [] };
  const minEntry = wide ? 64 : 40;
  if (entrySize < minEntry) throw new Corrupt(`ELF header: section header size ${entrySize} is below ${minEntry}`);

  const t = reader(buffer, littleEndian, "ELF section table");
  requireTable("ELF section table", tableOffset, 1, entrySize, buffer.length);
  // Extended numbering: the real count and string table index live in section 0.
  if (count === 0) count = wide ? t.u64(tableOffset + 0x20) : t.u32(tableOffset + 0x14);
  if (namesIndex === elfExtendedIndex) namesIndex = t.u32(tableOffset + (wide ? 0x28 : 0x18));
  if (count > maxSections) throw new Corrupt(`ELF section table: ${count} sections (more than ${maxSections})`);
  requireTable("ELF section table", tableOffset, count, entrySize, buffer.length);

  const raw: Array<{ nameOffset: number; type: number; address: bigint; offset: number; size: number }> = [];
  for (let i = 0; i < count; i++) {
    const at = tableOffset + i * entrySize;
    raw.push(
      wide
        ? {
            nameOffset: t.u32(at),
            type: t.u32(at + 4),
            address: t.u64big(at + 0x10),
            offset: t.u64(at + 0x18),
            size: t.u64(at + 0x20),
          }
        : {
            nameOffset: t.u32(at),
            type: t.u32(at + 4),
            address: BigInt(t.u32(at + 0x0c)),
            offset: t.u32(at + 0x10),
            size: t.u32(at + 0x14),
          },
    );
  }
  const names = raw[namesIndex];
  if (names && names.type !== elfSectionNoBits && names.offset + names.size > buffer.length) {
    throw new Corrupt(
      `ELF section names (${names.size} bytes at offset ${names.offset}) lie beyond the end of the file (${buffer.length} bytes): truncated?`,
    );
  }
  const sections = raw.map((s): Section => {
    const name = names ? cString(buffer, names.offset + s.nameOffset, names.offset + names.size) : "";
    const size = s.type === elfSectionNoBits ? 0 : s.size;
    return { name, segment: "", address: s.address, offset: s.offset, size };
  });
  return { format: "elf", bits, littleEndian, sections };
}

// ---- PE/COFF ----

function readPe(buffer: Buffer): Executable {
  const r = reader(buffer, true, "PE header");
  const peOffset = r.u32(0x3c);
  if (r.u32(peOffset) !== 0x00004550) throw new Corrupt("PE header: no PE signature (an MS-DOS program?)");
  const coff = peOffset + 4;
  const count = r.u16(coff + 2);
  const symbolTable = r.u32(coff + 8);
  const symbolCount = r.u32(coff + 12);
  const optionalSize = r.u16(coff + 16);
  const optional = coff + 20;

  let bits: 32 | 64 = 32;
  let imageBase = 0n;
  if (optionalSize >= 2) {
    const magic = r.u16(optional);
    if (magic === 0x20b) {
      bits = 64;
      imageBase = r.u64big(optional + 24);
    } else if (magic === 0x10b) {
      imageBase = BigInt(r.u32(optional + 28));
    } else {
      throw new Corrupt(`PE optional header: unknown magic 0x${magic.toString(16)}`);
    }
  }

  const table = optional + optionalSize;
  requireTable("PE section table", table, count, 40, buffer.length);
  const stringTable = symbolTable === 0 ? undefined : symbolTable + symbolCount * 18;
  const sections: Section[] = [];
  for (let i = 0; i < count; i++) {
    const at = table + i * 40;
    const virtualSize = r.u32(at + 8);
    const rva = r.u32(at + 12);
    const rawSize = r.u32(at + 16);
    const rawOffset = r.u32(at + 20);
    // Raw data is padded to the file alignment; the virtual size is the section's real length.
    const size = rawOffset === 0 ? 0 : virtualSize > 0 ? Math.min(virtualSize, rawSize) : rawSize;
    sections.push({
      name: peSectionName(buffer, at, stringTable),
      segment: "",
      address: imageBase + BigInt(rva),
      offset: rawOffset,
      size,
    });
  }
  return { format: "pe", bits, littleEndian: true, sections };
}

/** Eight bytes, NUL-padded; "/123" points into the COFF string table (names longer than eight bytes). */
function peSectionName(buffer: Buffer, at: number, stringTable: number | undefined): string {
  const short = cString(buffer, at, at + 8);
  const long = /^\/(\d{1,7})$/.exec(short);
  if (!long?.[1] || stringTable === undefined) return short;
  const start = stringTable + Number(long[1]);
  return start < buffer.length ? cString(buffer, start, buffer.length) : short;
}

// ---- Mach-O ----

const loadSegment = 0x1;
const loadSegment64 = 0x19;
/** Section types (flags & 0xff) with no bytes in the file: S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL. */
const zeroFillTypes = new Set([0x1, 0xc, 0x12]);

function machoKind(magic: number): { bits: 32 | 64; littleEndian: boolean } | undefined {
  switch (magic) {
    case 0xfeedface:
      return { bits: 32, littleEndian: false };
    case 0xcefaedfe:
      return { bits: 32, littleEndian: true };
    case 0xfeedfacf:
      return { bits: 64, littleEndian: false };
    case 0xcffaedfe:
      return { bits: 64, littleEndian: true };
    default:
      return undefined;
  }
}

/** A universal binary: big-endian fat_arch (or fat_arch_64) records, each pointing at a thin Mach-O. */
function readFat(buffer: Buffer, wide: boolean): Executable[] {
  const r = reader(buffer, false, "Mach-O universal header");
  const count = r.u32(4);
  if (count === 0 || count >= maxFatArchitectures) return [];
  const recordSize = wide ? 32 : 20;
  requireTable("Mach-O universal header", 8, count, recordSize, buffer.length);
  const images: Executable[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * recordSize;
    const offset = wide ? r.u64(at + 8) : r.u32(at + 8);
    const size = wide ? r.u64(at + 16) : r.u32(at + 12);
    if (offset + size > buffer.length || size < 4) {
      throw new Corrupt(
        `Mach-O universal binary: architecture ${i} (${size} bytes at offset ${offset}) lies beyond the end of the file (${buffer.length} bytes): truncated?`,
      );
    }
    images.push(readMachO(buffer, offset, offset + size));
  }
  return images;
}

/** A thin Mach-O occupying [start, end) of the buffer. */
function readMachO(buffer: Buffer, start: number, end: number): Executable {
  const kind = machoKind(buffer.readUInt32BE(start));
  if (!kind) throw new Corrupt(`Mach-O: no Mach-O header at offset ${start}`);
  const { bits, littleEndian } = kind;
  const r = reader(buffer, littleEndian, "Mach-O header");
  const commandCount = r.u32(start + 16);
  const commandBytes = r.u32(start + 20);
  const first = start + (bits === 64 ? 32 : 28);
  const last = first + commandBytes;
  if (last > end) {
    throw new Corrupt(
      `Mach-O load commands (${commandBytes} bytes at offset ${first}) lie beyond the end of the file (${end} bytes): truncated?`,
    );
  }
  if (commandCount > maxLoadCommands)
    throw new Corrupt(`Mach-O: ${commandCount} load commands (more than ${maxLoadCommands})`);

  const sections: Section[] = [];
  let at = first;
  for (let i = 0; i < commandCount; i++) {
    if (at + 8 > last) throw new Corrupt(`Mach-O load command ${i} lies beyond the load command area`);
    const command = r.u32(at);
    const size = r.u32(at + 4);
    if (size < 8 || at + size > last) throw new Corrupt(`Mach-O load command ${i}: bad size ${size}`);
    if (command === loadSegment64 || command === loadSegment) {
      readSegment(buffer, r, at, size, command === loadSegment64, start, sections);
    }
    at += size;
  }
  return { format: "macho", bits, littleEndian, sections };
}

function readSegment(
  buffer: Buffer,
  r: Reader,
  at: number,
  commandSize: number,
  wide: boolean,
  imageStart: number,
  sections: Section[],
): void {
  const headerSize = wide ? 72 : 56;
  const recordSize = wide ? 80 : 68;
  const count = r.u32(at + (wide ? 64 : 48));
  if (headerSize + count * recordSize > commandSize) {
    throw new Corrupt(`Mach-O segment at offset ${at}: ${count} sections do not fit in its ${commandSize} bytes`);
  }
  if (sections.length + count > maxSections) throw new Corrupt(`Mach-O: more than ${maxSections} sections`);
  for (let i = 0; i < count; i++) {
    const s = at + headerSize + i * recordSize;
    const size = wide ? r.u64(s + 40) : r.u32(s + 36);
    const offset = r.u32(s + (wide ? 48 : 40));
    const flags = r.u32(s + (wide ? 64 : 56));
    const stored = zeroFillTypes.has(flags & 0xff) || offset === 0 ? 0 : size;
    sections.push({
      name: cString(buffer, s, s + 16),
      segment: cString(buffer, s + 16, s + 32),
      address: wide ? r.u64big(s + 32) : BigInt(r.u32(s + 32)),
      offset: imageStart + offset,
      size: stored,
    });
  }
}
