import { fixedString, inside, u32, word } from "./bytes.ts";
import { type ExecutableImage, fileRegion, type OpenResult, type Region } from "./executable.ts";

const lcSegment = 0x1;
const lcSegment64 = 0x19;
const readWrite = 3;
/** Load commands read at most; real binaries have a few dozen. */
const maxCommands = 4096;
/** Architectures read at most in a fat file; real ones have two or three. */
const maxArchitectures = 16;
const zeroFillTypes = new Set([0x1, 0xc, 0x12]);

/**
 * A thin Mach-O image at `start` (a fat file's slices start later): its segments and the place of
 * its Go build info, the `__go_buildinfo` section or else the first read-write data segment.
 * Offsets inside the image are relative to `start`; the returned regions are file offsets.
 */
export function readMachO(buf: Buffer, start: number, length: number): ExecutableImage | { problem: string } {
  const end = Math.min(buf.length, start + length);
  const magic = u32(buf, start, false);
  if (magic !== 0xfeedface && magic !== 0xfeedfacf && magic !== 0xcefaedfe && magic !== 0xcffaedfe) {
    return { problem: "not a Mach-O image" };
  }
  const is64 = magic === 0xfeedfacf || magic === 0xcffaedfe;
  const le = magic === 0xcefaedfe || magic === 0xcffaedfe;
  const headerSize = is64 ? 32 : 28;
  if (start + headerSize > end) return { problem: "truncated Mach-O header" };
  const commandCount = u32(buf, start + 16, le) ?? 0;
  if (commandCount > maxCommands) return { problem: `Mach-O header claims ${commandCount} load commands` };

  const problems: string[] = [];
  const mapped: Region[] = [];
  let section: Region | undefined;
  let writableSegment: Region | undefined;
  const regionOf = (
    what: string,
    address: number | undefined,
    offset: number | undefined,
    size: number | undefined,
  ) => {
    const region = fileRegion(end, what, address, offset === undefined ? undefined : start + offset, size);
    if (typeof region === "string") {
      problems.push(region);
      return undefined;
    }
    return region;
  };

  let at = start + headerSize;
  for (let i = 0; i < commandCount; i++) {
    const command = u32(buf, at, le);
    const size = u32(buf, at + 4, le);
    if (command === undefined || size === undefined || size < 8 || at + size > end) {
      problems.push(`Mach-O load command ${i} lies outside the file`);
      break;
    }
    if (command === lcSegment || command === lcSegment64) {
      const wide = command === lcSegment64;
      const cw = wide ? 8 : 4;
      // segment_command(_64): segname[16], vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags.
      const address = word(buf, at + 24, cw, le);
      const fileOffset = word(buf, at + 24 + 2 * cw, cw, le);
      const fileSize = word(buf, at + 24 + 3 * cw, cw, le) ?? 0;
      const maxProt = u32(buf, at + 24 + 4 * cw, le);
      const initProt = u32(buf, at + 28 + 4 * cw, le);
      const sectionCount = u32(buf, at + 32 + 4 * cw, le) ?? 0;
      const name = fixedString(buf, at + 8, 16) ?? "";
      if (fileSize > 0) {
        const region = regionOf(`Mach-O segment ${name}`, address, fileOffset, fileSize);
        if (region) {
          mapped.push(region);
          if (writableSegment === undefined && address !== 0 && maxProt === readWrite && initProt === readWrite) {
            writableSegment = region;
          }
        }
      }
      const headerEnd = at + 40 + 4 * cw;
      const entrySize = wide ? 80 : 68;
      if (section === undefined && headerEnd + sectionCount * entrySize <= at + size) {
        section = goBuildInfoSection(buf, headerEnd, sectionCount, entrySize, cw, le, regionOf);
      }
    }
    at += size;
  }
  const found = section ?? writableSegment;
  return { format: "Mach-O", searchRegions: found ? [found] : [], mapped, problems };
}

function goBuildInfoSection(
  buf: Buffer,
  first: number,
  count: number,
  entrySize: number,
  cw: 4 | 8,
  le: boolean,
  regionOf: (what: string, address?: number, offset?: number, size?: number) => Region | undefined,
): Region | undefined {
  for (let j = 0; j < count; j++) {
    const at = first + j * entrySize;
    if (fixedString(buf, at, 16) !== "__go_buildinfo") continue;
    // section(_64): sectname[16], segname[16], addr, size, offset (4), align, reloff, nreloc, flags.
    const flags = u32(buf, at + 32 + 2 * cw + 16, le) ?? 0;
    if (zeroFillTypes.has(flags & 0xff)) return undefined;
    return regionOf(
      "Mach-O section __go_buildinfo",
      word(buf, at + 32, cw, le),
      u32(buf, at + 32 + 2 * cw, le),
      word(buf, at + 32 + cw, cw, le),
    );
  }
  return undefined;
}

/**
 * The images of a fat (universal) Mach-O file. The magic is shared with Java class files, whose
 * version numbers read as an architecture count far above any real one: those give no image.
 */
export function readFatMachO(buf: Buffer): OpenResult {
  const count = u32(buf, 4, false) ?? 0;
  if (count === 0 || count > maxArchitectures) return { images: [] };
  if (!inside(buf, 8, count * 20)) return { problem: "truncated fat Mach-O header" };
  const images: ExecutableImage[] = [];
  const problems: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 20;
    const offset = buf.readUInt32BE(at + 8);
    const size = buf.readUInt32BE(at + 12);
    if (offset >= buf.length) {
      problems.push(`fat Mach-O architecture ${i} starts past the end of the file`);
      continue;
    }
    const image = readMachO(buf, offset, size);
    if ("problem" in image) problems.push(`fat Mach-O architecture ${i}: ${image.problem}`);
    else images.push(image);
  }
  if (images.length === 0 && problems.length > 0) return { problem: problems.join("; ") };
  const [firstImage] = images;
  if (firstImage) firstImage.problems.push(...problems);
  return { images };
}
