import { word } from "./bytes.ts";
import { type ExecutableImage, locate, type Region } from "./executable.ts";

/** "\xff Go buildinf:", the start of the 32-byte build info header the Go linker writes. */
const magic = Buffer.from("\xff Go buildinf:", "latin1");
const headerSize = 32;
const alignment = 16;
/** Longest version or module string read; real module info is a few kilobytes. */
export const maxStringBytes = 16 * 1024 * 1024;

/** The two strings the build info blob carries. */
export interface RawBuildInfo {
  /** "go1.22.1", "go1.22.1 X:loopvar". */
  goVersion: string;
  /** The module info text without its 16-byte sentinels; "" when the binary was built without modules. */
  modinfo: string;
}

/**
 * The build info of one image: undefined when there is none (not a Go binary), a problem when the
 * header is there but its strings cannot be read.
 *
 * The header is the magic, the pointer size, a flags byte, then either (flags & 2, Go 1.18 and
 * later) two varint-length strings right after the header, or two pointers to Go string headers
 * (pointer, length) somewhere in the loaded data, big-endian when the flags byte is not 0.
 */
export function readBuildInfo(buf: Buffer, image: ExecutableImage): RawBuildInfo | { problem: string } | undefined {
  for (const region of image.searchRegions) {
    const start = findHeader(buf, region);
    if (start !== undefined) return decode(buf, image, start);
  }
  return undefined;
}

/** The file offset of the first header on the 16-byte grid of the region, where the linker aligns it. */
function findHeader(buf: Buffer, region: Region): number | undefined {
  const data = buf.subarray(region.offset, region.offset + region.size);
  for (let at = 0; ; ) {
    const found = data.indexOf(magic, at);
    if (found < 0 || data.length - found < headerSize) return undefined;
    if (found % alignment === 0) return region.offset + found;
    at = Math.ceil(found / alignment) * alignment;
  }
}

function decode(buf: Buffer, image: ExecutableImage, start: number): RawBuildInfo | { problem: string } {
  const pointerSize = buf[start + 14];
  const flags = buf[start + 15] ?? 0;
  let goVersion: Buffer;
  let modinfo: Buffer;
  if ((flags & 2) !== 0) {
    const version = varintString(buf, start + headerSize);
    if (typeof version === "string") return { problem: `Go build info: version ${version}` };
    const mod = varintString(buf, version.next);
    if (typeof mod === "string") return { problem: `Go build info: module info ${mod}` };
    goVersion = version.bytes;
    modinfo = mod.bytes;
  } else {
    if (pointerSize !== 4 && pointerSize !== 8) {
      return { problem: `Go build info: unsupported pointer size ${String(pointerSize)}` };
    }
    const le = flags === 0;
    const pointer = (offset: number) => word(buf, offset, pointerSize, le);
    const version = pointedString(buf, image, pointer(start + 16), pointerSize, le);
    if (typeof version !== "object") return { problem: `Go build info: version ${version}` };
    const mod = pointedString(buf, image, pointer(start + 16 + pointerSize), pointerSize, le);
    if (typeof mod !== "object") return { problem: `Go build info: module info ${mod}` };
    goVersion = version.bytes;
    modinfo = mod.bytes;
  }
  if (goVersion.length === 0) return { problem: "Go build info without a Go version" };
  return { goVersion: goVersion.toString("utf8"), modinfo: withoutSentinels(modinfo) };
}

/** cmd/go frames the module info with 16 bytes on each side; text without that frame is not module info. */
function withoutSentinels(bytes: Buffer): string {
  if (bytes.length >= 33 && bytes[bytes.length - 17] === 0x0a) {
    return bytes.toString("utf8", 16, bytes.length - 16);
  }
  return "";
}

/** A uvarint length and that many bytes, or what is wrong. */
function varintString(buf: Buffer, offset: number): { bytes: Buffer; next: number } | string {
  let length = 0;
  let scale = 1;
  let at = offset;
  for (let i = 0; ; i++) {
    const byte = buf[at++];
    if (byte === undefined) return "length runs past the end of the file";
    if (i >= 9) return "length is not a valid varint";
    length += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) break;
  }
  if (length > maxStringBytes) return `is ${length} bytes long, more than the ${maxStringBytes} read`;
  if (at + length > buf.length) return "runs past the end of the file";
  return { bytes: buf.subarray(at, at + length), next: at + length };
}

/** The Go string whose header (data pointer, length) is at `address`. */
function pointedString(
  buf: Buffer,
  image: ExecutableImage,
  address: number | undefined,
  pointerSize: 4 | 8,
  le: boolean,
): { bytes: Buffer } | string {
  if (address === undefined) return "pointer is too large";
  const header = locate(image, address);
  if (!header || header.available < 2 * pointerSize)
    return `string header at 0x${address.toString(16)} is not in the file`;
  const dataAddress = word(buf, header.offset, pointerSize, le);
  const length = word(buf, header.offset + pointerSize, pointerSize, le);
  if (dataAddress === undefined || length === undefined) return "string header is unreadable";
  if (length === 0) return { bytes: Buffer.alloc(0) };
  if (length > maxStringBytes) return `is ${length} bytes long, more than the ${maxStringBytes} read`;
  const data = locate(image, dataAddress);
  if (!data || data.available < length) return `string data at 0x${dataAddress.toString(16)} is not in the file`;
  return { bytes: buf.subarray(data.offset, data.offset + length) };
}
