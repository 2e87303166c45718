import { fixedString, inside, u16, u32, word } from "./bytes.ts";
import { type ExecutableImage, fileRegion, type Region } from "./executable.ts";

const ptLoad = 1;
const pfX = 1;
const pfW = 2;
const shtNobits = 8;
/** Section headers read at most; a larger count comes from a damaged or hostile header. */
const maxSections = 65_536;

interface Layout {
  wordSize: 4 | 8;
  le: boolean;
  phoff: number | undefined;
  phentsize: number;
  phnum: number;
  shoff: number | undefined;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** An ELF file's loaded segments and the place of its Go build info (ELF-64 and ELF-32, both byte orders). */
export function readElf(buf: Buffer): ExecutableImage | { problem: string } {
  const layout = header(buf);
  if ("problem" in layout) return layout;
  const problems: string[] = [];

  const mapped: Region[] = [];
  const writableData: Region[] = [];
  if (layout.phoff === undefined || !inside(buf, layout.phoff, layout.phnum * layout.phentsize)) {
    problems.push("ELF program headers lie outside the file");
  } else {
    for (let i = 0; i < layout.phnum; i++) {
      const segment = programHeader(buf, layout, layout.phoff + i * layout.phentsize);
      if (segment.type !== ptLoad) continue;
      const region = fileRegion(buf.length, `ELF segment ${i}`, segment.vaddr, segment.offset, segment.filesz);
      if (typeof region === "string") {
        if (segment.filesz !== 0) problems.push(region);
        continue;
      }
      mapped.push(region);
      if ((segment.flags & (pfX | pfW)) === pfW && region.size > 0) writableData.push(region);
    }
  }

  // Section headers that can be read and name no .go.buildinfo: not a Go binary (Go 1.13 and later
  // always write the section), so there is nothing to search. Without them (sstrip, damage), the
  // writable segments are searched in order (Go's own reader searches only the first).
  const section = buildInfoSection(buf, layout, problems);
  const searchRegions = section === "no section headers" ? writableData : section === undefined ? [] : [section];
  return { format: "ELF", searchRegions, mapped, problems };
}

function header(buf: Buffer): Layout | { problem: string } {
  if (buf.length < 52) return { problem: "truncated ELF header" };
  const elfClass = buf[4];
  const data = buf[5];
  if (elfClass !== 1 && elfClass !== 2) return { problem: `unsupported ELF class ${String(elfClass)}` };
  if (data !== 1 && data !== 2) return { problem: `unsupported ELF data encoding ${String(data)}` };
  const le = data === 1;
  if (elfClass === 2) {
    if (buf.length < 64) return { problem: "truncated ELF header" };
    return {
      wordSize: 8,
      le,
      phoff: word(buf, 0x20, 8, le),
      shoff: word(buf, 0x28, 8, le),
      phentsize: u16(buf, 0x36, le) ?? 0,
      phnum: u16(buf, 0x38, le) ?? 0,
      shentsize: u16(buf, 0x3a, le) ?? 0,
      shnum: u16(buf, 0x3c, le) ?? 0,
      shstrndx: u16(buf, 0x3e, le) ?? 0,
    };
  }
  return {
    wordSize: 4,
    le,
    phoff: u32(buf, 0x1c, le),
    shoff: u32(buf, 0x20, le),
    phentsize: u16(buf, 0x2a, le) ?? 0,
    phnum: u16(buf, 0x2c, le) ?? 0,
    shentsize: u16(buf, 0x2e, le) ?? 0,
    shnum: u16(buf, 0x30, le) ?? 0,
    shstrndx: u16(buf, 0x32, le) ?? 0,
  };
}

interface ProgramHeader {
  type: number | undefined;
  flags: number;
  offset: number | undefined;
  vaddr: number | undefined;
  filesz: number | undefined;
}

function programHeader(buf: Buffer, layout: Layout, at: number): ProgramHeader {
  const { le } = layout;
  if (layout.wordSize === 8) {
    return {
      type: u32(buf, at, le),
      flags: u32(buf, at + 4, le) ?? 0,
      offset: word(buf, at + 8, 8, le),
      vaddr: word(buf, at + 16, 8, le),
      filesz: word(buf, at + 32, 8, le),
    };
  }
  return {
    type: u32(buf, at, le),
    offset: u32(buf, at + 4, le),
    vaddr: u32(buf, at + 8, le),
    filesz: u32(buf, at + 16, le),
    flags: u32(buf, at + 24, le) ?? 0,
  };
}

interface SectionHeader {
  name: number;
  type: number;
  addr: number | undefined;
  offset: number | undefined;
  size: number | undefined;
  link: number;
}

function sectionHeader(buf: Buffer, layout: Layout, at: number): SectionHeader {
  const { le, wordSize } = layout;
  const w = wordSize;
  // Shdr64: name, type (4 each), flags, addr, offset, size (8 each), link (4). Shdr32: all 4 bytes.
  return {
    name: u32(buf, at, le) ?? 0,
    type: u32(buf, at + 4, le) ?? 0,
    addr: word(buf, at + 8 + w, w, le),
    offset: word(buf, at + 8 + 2 * w, w, le),
    size: word(buf, at + 8 + 3 * w, w, le),
    link: u32(buf, at + 8 + 4 * w, le) ?? 0,
  };
}

/**
 * The `.go.buildinfo` section; undefined when the section headers were read and name none;
 * "no section headers" when there are none or they cannot be read.
 */
function buildInfoSection(buf: Buffer, layout: Layout, problems: string[]): Region | undefined | "no section headers" {
  const { shoff, shentsize } = layout;
  if (shoff === undefined || shoff === 0) return "no section headers";
  const minEntry = layout.wordSize === 8 ? 64 : 40;
  if (shentsize < minEntry || !inside(buf, shoff, shentsize)) {
    problems.push("ELF section headers lie outside the file");
    return "no section headers";
  }
  // Extended numbering: more than 0xff00 sections keep their count and string table index in section 0.
  const first = sectionHeader(buf, layout, shoff);
  const count = layout.shnum === 0 ? (first.size ?? 0) : layout.shnum;
  const namesIndex = layout.shstrndx === 0xffff ? first.link : layout.shstrndx;
  if (count > maxSections) {
    problems.push(`ELF header claims ${count} sections; read none`);
    return "no section headers";
  }
  if (!inside(buf, shoff, count * shentsize)) {
    problems.push("ELF section headers lie outside the file");
    return "no section headers";
  }
  if (namesIndex >= count) return "no section headers";
  const names = sectionHeader(buf, layout, shoff + namesIndex * shentsize);
  const namesStart = names.offset;
  if (namesStart === undefined || names.size === undefined || !inside(buf, namesStart, 1)) {
    problems.push("ELF section name table lies outside the file");
    return "no section headers";
  }
  const namesEnd = Math.min(buf.length, namesStart + names.size);
  for (let i = 1; i < count; i++) {
    const section = sectionHeader(buf, layout, shoff + i * shentsize);
    if (namesStart + section.name >= namesEnd) continue;
    if (fixedString(buf, namesStart + section.name, namesEnd - namesStart - section.name) !== ".go.buildinfo") continue;
    if (section.type === shtNobits) return "no section headers";
    const region = fileRegion(buf.length, "ELF section .go.buildinfo", section.addr, section.offset, section.size);
    if (typeof region === "string") {
      problems.push(region);
      return "no section headers";
    }
    return region;
  }
  return undefined;
}
