import { readElf } from "./elf.ts";
import { readMachO, readFatMachO } from "./macho.ts";
import { readPe } from "./pe.ts";

/** A range of the file that is loaded at `address`; `offset + size` never passes the end of the file. */
export interface Region {
  address: number;
  offset: number;
  size: number;
}

/** What the Go build info reader needs from an executable's headers. */
export interface ExecutableImage {
  format: "ELF" | "PE" | "Mach-O";
  /**
   * Where to look for the build info blob, in order: the `.go.buildinfo` / `__go_buildinfo`
   * section; without one, the writable data the linker puts it at the start of (an ELF file
   * stripped of its section headers, a PE file). Empty when the headers rule out a Go binary.
   */
  searchRegions: Region[];
  /** The loaded parts of the file, to follow the pointers of the build info written before Go 1.18. */
  mapped: Region[];
  /** Damage met while reading the headers; reported only when no build info is found. */
  problems: string[];
}

export type OpenResult =
  | { images: ExecutableImage[] }
  /** The file is damaged or is no executable we know; the text says why. */
  | { problem: string };

/**
 * The images in an executable: one for ELF, PE and thin Mach-O, one per architecture for a fat
 * Mach-O, none for a Java class file (it shares the fat Mach-O magic).
 */
export function openExecutable(content: Buffer): OpenResult {
  if (content.length >= 4 && content.readUInt32BE(0) === 0x7f454c46) return single(readElf(content));
  if (content.length >= 2 && content.readUInt16BE(0) === 0x4d5a) return single(readPe(content));
  if (content.length >= 4) {
    const magic = content.readUInt32BE(0);
    if (magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe) {
      return single(readMachO(content, 0, content.length));
    }
    if (magic === 0xcafebabe) return readFatMachO(content);
  }
  return { problem: "unrecognized executable format (not ELF, PE or Mach-O)" };
}

function single(read: ExecutableImage | { problem: string }): OpenResult {
  return "problem" in read ? read : { images: [read] };
}

/**
 * The region for a header's (address, offset, size) triple, cut at the end of the file; a problem
 * when it starts past the end or its numbers are not usable.
 */
export function fileRegion(
  fileLength: number,
  what: string,
  address: number | undefined,
  offset: number | undefined,
  size: number | undefined,
): Region | string {
  if (address === undefined || offset === undefined || size === undefined) {
    return `${what}: address, offset or size too large`;
  }
  if (offset >= fileLength) return `${what} starts at ${offset}, past the end of the file (${fileLength} bytes)`;
  return { address, offset, size: Math.min(size, fileLength - offset) };
}

/** The file offset and the bytes available there for a virtual address, or undefined when no region maps it. */
export function locate(image: ExecutableImage, address: number): { offset: number; available: number } | undefined {
  for (const region of image.mapped) {
    if (region.size > 0 && address >= region.address && address - region.address < region.size) {
      const delta = address - region.address;
      return { offset: region.offset + delta, available: region.size - delta };
    }
  }
  return undefined;
}
