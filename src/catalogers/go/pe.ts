import { inside, u16, u32, u64 } from "./bytes.ts";
import { type ExecutableImage, fileRegion, type Region } from "./executable.ts";

const initializedData = 0x40;
const memRead = 0x40000000;
const memWrite = 0x80000000;
const alignMask = 0x00f00000;
const sectionHeaderSize = 40;

/**
 * A PE file's sections and the place of its Go build info: the start of the first section that
 * holds initialized, readable and writable data (.data), as Go's own reader finds it.
 */
export function readPe(buf: Buffer): ExecutableImage | { problem: string } {
  const peOffset = u32(buf, 0x3c, true);
  if (peOffset === undefined) return { problem: "truncated PE (DOS) header" };
  if (!inside(buf, peOffset, 24) || buf.readUInt32BE(peOffset) !== 0x50450000) {
    return { problem: "not a PE file: no PE signature where the DOS header points" };
  }
  const sectionCount = u16(buf, peOffset + 6, true) ?? 0;
  const optionalSize = u16(buf, peOffset + 20, true) ?? 0;
  const optional = peOffset + 24;
  const optionalMagic = u16(buf, optional, true);
  let imageBase: number | undefined;
  if (optionalMagic === 0x10b) imageBase = u32(buf, optional + 28, true);
  else if (optionalMagic === 0x20b) imageBase = u64(buf, optional + 24, true);
  if (imageBase === undefined) return { problem: "truncated or unknown PE optional header" };

  const table = optional + optionalSize;
  if (!inside(buf, table, sectionCount * sectionHeaderSize)) {
    return { problem: "PE section table lies outside the file" };
  }
  const problems: string[] = [];
  const mapped: Region[] = [];
  let data: Region | undefined;
  for (let i = 0; i < sectionCount; i++) {
    const at = table + i * sectionHeaderSize;
    const virtualAddress = buf.readUInt32LE(at + 12);
    const rawSize = buf.readUInt32LE(at + 16);
    const rawOffset = buf.readUInt32LE(at + 20);
    const characteristics = buf.readUInt32LE(at + 36);
    if (rawSize === 0) continue;
    const name = buf.toString("latin1", at, at + 8).replace(/\0+$/, "");
    const region = fileRegion(buf.length, `PE section ${name}`, imageBase + virtualAddress, rawOffset, rawSize);
    if (typeof region === "string") {
      problems.push(region);
      continue;
    }
    mapped.push(region);
    const readWriteData = initializedData | memRead | memWrite;
    if (data === undefined && virtualAddress !== 0 && (characteristics & ~alignMask) >>> 0 === readWriteData >>> 0) {
      data = region;
    }
  }
  return { format: "PE", searchRegions: data ? [data] : [], mapped, problems };
}
