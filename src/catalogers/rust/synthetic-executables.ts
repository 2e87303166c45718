// Test support: minimal ELF, PE and Mach-O files built in memory, with the sections asked for and
// nothing else (no code, no program headers). Enough for the section readers; not runnable.

export interface SyntheticSection {
  name: string;
  data: Buffer;
  /** Mach-O: the segment (default "__DATA"). */
  segment?: string;
  /** ELF sh_type (default PROGBITS) or Mach-O section flags (default 0). */
  type?: number;
}

export interface SyntheticSpec {
  bits: 32 | 64;
  littleEndian: boolean;
  sections: readonly SyntheticSection[];
}

class Writer {
  private readonly parts: Buffer[] = [];
  private readonly littleEndian: boolean;
  length = 0;

  constructor(littleEndian: boolean) {
    this.littleEndian = littleEndian;
  }

  bytes(data: Buffer): this {
    this.parts.push(data);
    this.length += data.length;
    return this;
  }
  u8(value: number): this {
    return this.bytes(Buffer.from([value]));
  }
  u16(value: number): this {
    const b = Buffer.alloc(2);
    if (this.littleEndian) b.writeUInt16LE(value);
    else b.writeUInt16BE(value);
    return this.bytes(b);
  }
  u32(value: number): this {
    const b = Buffer.alloc(4);
    if (this.littleEndian) b.writeUInt32LE(value);
    else b.writeUInt32BE(value);
    return this.bytes(b);
  }
  u64(value: number | bigint): this {
    const b = Buffer.alloc(8);
    if (this.littleEndian) b.writeBigUInt64LE(BigInt(value));
    else b.writeBigUInt64BE(BigInt(value));
    return this.bytes(b);
  }
  /** A 32- or 64-bit word. */
  word(bits: 32 | 64, value: number): this {
    return bits === 64 ? this.u64(value) : this.u32(value);
  }
  /** A fixed-size, NUL-padded name. */
  name(text: string, size: number): this {
    const b = Buffer.alloc(size);
    b.write(text, "latin1");
    return this.bytes(b);
  }
  zeros(count: number): this {
    return this.bytes(Buffer.alloc(count));
  }
  align(boundary: number): this {
    return this.zeros((boundary - (this.length % boundary)) % boundary);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** An ELF executable: header, section data, then the section table ending with .shstrtab. */
export function buildElf(spec: SyntheticSpec): Buffer {
  const { bits, littleEndian } = spec;
  const wide = bits === 64;
  const headerSize = wide ? 64 : 52;
  const entrySize = wide ? 64 : 40;

  const names = Buffer.concat([
    Buffer.from([0]),
    ...[...spec.sections.map((s) => s.name), ".shstrtab"].map((n) => Buffer.from(`${n}\0`, "latin1")),
  ]);
  const all = [...spec.sections, { name: ".shstrtab", data: names, type: 3 }];
  const placed: Array<{ nameOffset: number; offset: number; size: number; type: number }> = [];
  let offset = headerSize;
  let nameOffset = 1;
  for (const s of all) {
    placed.push({ nameOffset, offset, size: s.data.length, type: s.type ?? 1 });
    nameOffset += Buffer.byteLength(s.name, "latin1") + 1;
    offset += s.data.length;
  }
  const tableOffset = offset + ((8 - (offset % 8)) % 8);

  const w = new Writer(littleEndian);
  w.bytes(Buffer.from([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, littleEndian ? 1 : 2, 1, 0])).zeros(8);
  w.u16(2)
    .u16(wide ? 62 : 3)
    .u32(1); // e_type EXEC, e_machine, e_version
  w.word(bits, 0).word(bits, 0).word(bits, tableOffset); // e_entry, e_phoff, e_shoff
  w.u32(0).u16(headerSize).u16(0).u16(0); // e_flags, e_ehsize, e_phentsize, e_phnum
  w.u16(entrySize)
    .u16(all.length + 1)
    .u16(all.length); // e_shentsize, e_shnum, e_shstrndx
  for (const s of all) w.bytes(s.data);
  w.align(8);
  w.zeros(entrySize); // the null section
  for (const p of placed) {
    w.u32(p.nameOffset)
      .u32(p.type)
      .word(bits, 0)
      .word(bits, 0x1000 + p.offset); // name, type, flags, addr
    w.word(bits, p.offset).word(bits, p.size).u32(0).u32(0).word(bits, 1).word(bits, 0);
  }
  return w.done();
}

/**
 * A PE image: MS-DOS stub header, COFF header, optional header, section table, data. Names
 * longer than eight bytes go to a COFF string table and are written as "/<offset>".
 */
export function buildPe(spec: Omit<SyntheticSpec, "littleEndian">): Buffer {
  const wide = spec.bits === 64;
  const optionalSize = wide ? 240 : 224;
  const tableOffset = 64 + 4 + 20 + optionalSize;
  let offset = tableOffset + spec.sections.length * 40;
  const strings: Buffer[] = [];
  let stringsLength = 4;
  const rows = spec.sections.map((s) => {
    let name = s.name;
    if (Buffer.byteLength(s.name, "latin1") > 8) {
      name = `/${stringsLength}`;
      strings.push(Buffer.from(`${s.name}\0`, "latin1"));
      stringsLength += Buffer.byteLength(s.name, "latin1") + 1;
    }
    const row = { name, data: s.data, offset };
    offset += s.data.length;
    return row;
  });
  const stringTable = strings.length > 0 ? offset : 0;

  const w = new Writer(true);
  w.bytes(Buffer.from("MZ"))
    .zeros(0x3c - 2)
    .u32(64);
  w.bytes(Buffer.from("PE\0\0"));
  w.u16(wide ? 0x8664 : 0x14c)
    .u16(rows.length)
    .u32(0)
    .u32(stringTable)
    .u32(0)
    .u16(optionalSize)
    .u16(0x22);
  const optional = Buffer.alloc(optionalSize);
  optional.writeUInt16LE(wide ? 0x20b : 0x10b, 0);
  if (wide) optional.writeBigUInt64LE(0x140000000n, 24);
  else optional.writeUInt32LE(0x400000, 28);
  w.bytes(optional);
  rows.forEach((row, i) => {
    w.name(row.name, 8)
      .u32(row.data.length)
      .u32(0x1000 * (i + 1))
      .u32(row.data.length)
      .u32(row.offset);
    w.u32(0).u32(0).u16(0).u16(0).u32(0x40000040);
  });
  for (const row of rows) w.bytes(row.data);
  if (strings.length > 0) w.u32(stringsLength).bytes(Buffer.concat(strings));
  return w.done();
}

/** A thin Mach-O: header, one LC_SEGMENT(_64) per segment named in the sections, then the data. */
export function buildMachO(spec: SyntheticSpec): Buffer {
  const { bits, littleEndian } = spec;
  const wide = bits === 64;
  const headerSize = wide ? 32 : 28;
  const segmentSize = wide ? 72 : 56;
  const sectionSize = wide ? 80 : 68;
  const segments = [...new Set(spec.sections.map((s) => s.segment ?? "__DATA"))];
  const commandsSize = segments.length * segmentSize + spec.sections.length * sectionSize;

  let offset = headerSize + commandsSize;
  const placed = new Map<SyntheticSection, number>();
  for (const s of spec.sections) {
    placed.set(s, offset);
    offset += s.data.length;
  }

  const w = new Writer(littleEndian);
  w.u32(wide ? 0xfeedfacf : 0xfeedface)
    .u32(wide ? 0x01000007 : 7)
    .u32(3)
    .u32(2); // magic, cpu, subtype, MH_EXECUTE
  w.u32(segments.length).u32(commandsSize).u32(0);
  if (wide) w.u32(0);
  for (const segment of segments) {
    const inside = spec.sections.filter((s) => (s.segment ?? "__DATA") === segment);
    w.u32(wide ? 0x19 : 0x1)
      .u32(segmentSize + inside.length * sectionSize)
      .name(segment, 16);
    w.word(bits, 0x4000).word(bits, 0x4000).word(bits, 0).word(bits, 0).u32(3).u32(3).u32(inside.length).u32(0);
    for (const s of inside) {
      const at = placed.get(s) ?? 0;
      w.name(s.name, 16)
        .name(segment, 16)
        .word(bits, 0x4000 + at)
        .word(bits, s.data.length);
      w.u32(at)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(s.type ?? 0)
        .u32(0)
        .u32(0);
      if (wide) w.u32(0);
    }
  }
  for (const s of spec.sections) w.bytes(s.data);
  return w.done();
}

/** A universal binary holding the given thin Mach-O images, each aligned to 4 KiB. */
export function buildFat(images: readonly Buffer[]): Buffer {
  const w = new Writer(false);
  w.u32(0xcafebabe).u32(images.length);
  let offset = 8 + images.length * 20;
  const offsets = images.map((image) => {
    offset += (4096 - (offset % 4096)) % 4096;
    const at = offset;
    offset += image.length;
    return at;
  });
  images.forEach((image, i) =>
    w
      .u32(0x01000007)
      .u32(3)
      .u32(offsets[i] ?? 0)
      .u32(image.length)
      .u32(12),
  );
  images.forEach((image, i) => {
    w.zeros((offsets[i] ?? 0) - w.length).bytes(image);
  });
  return w.done();
}
