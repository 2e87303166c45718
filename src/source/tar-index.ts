/**
 * Indexes a tar file without extracting it: reads only the 512-byte headers (and long-name records) at their
 * positions, skips the data, and remembers where each entry's data lies so it can be streamed later.
 */
import { open } from "node:fs/promises";
import { InputError, LimitError } from "../errors.ts";
import {
  decodeLongName,
  decodeTarHeader,
  parsePaxRecords,
  type TarHeader,
  TarHeaderError,
  tarBlockSize,
} from "./tar-header.ts";

export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

export interface TarEntry {
  /** Normalised: no leading "./" or "/", no trailing "/". */
  name: string;
  type: TarEntryType;
  /** Link target as written (symlink: relative to the link's directory; hardlink: an archive name). */
  linkName: string;
  dataOffset: number;
  size: number;
  /** False when the file ends before this entry's data does. */
  complete: boolean;
}

export interface TarIndex {
  /** By normalised name; a later entry with the same name replaces an earlier one, as on extraction. */
  entries: ReadonlyMap<string, TarEntry>;
  /** Why indexing stopped early (truncated file or corrupt header); undefined for a whole archive. */
  damage?: string;
}

const maxEntries = 1_000_000;
/** Cap on GNU long-name and pax header data, which is read into memory. */
const maxExtendedHeaderBytes = 1024 * 1024;

interface PendingOverrides {
  name?: string;
  linkName?: string;
  size?: number;
}

export async function indexTar(path: string): Promise<TarIndex> {
  const handle = await open(path, "r");
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize === 0) throw new InputError(`${path} is empty`);
    const entries = new Map<string, TarEntry>();
    const block = Buffer.alloc(tarBlockSize);
    let overrides: PendingOverrides = {};
    let position = 0;
    const readData = async (offset: number, size: number): Promise<Buffer> => {
      const data = Buffer.alloc(size);
      await handle.read(data, 0, size, offset);
      return data;
    };

    for (;;) {
      // A missing end-of-archive marker after whole entries is common enough to accept.
      if (position >= fileSize) return { entries };
      if (position + tarBlockSize > fileSize)
        return { entries, damage: `the file ends inside a tar header at offset ${position}` };
      await handle.read(block, 0, tarBlockSize, position);
      let header: TarHeader | undefined;
      try {
        header = decodeTarHeader(block);
      } catch (error) {
        if (!(error instanceof TarHeaderError)) throw error;
        if (position === 0) throw new InputError(`${path} is not a tar archive`, { cause: error });
        return { entries, damage: `${error.message} at offset ${position}` };
      }
      if (header === undefined) return { entries };

      const dataOffset = position + tarBlockSize;
      const size = overrides.size ?? header.size;
      const complete = dataOffset + size <= fileSize;
      position = dataOffset + Math.ceil(size / tarBlockSize) * tarBlockSize;

      if (header.typeFlag === "L" || header.typeFlag === "K" || header.typeFlag === "x") {
        if (!complete)
          return { entries, damage: `the file ends inside an extended tar header at offset ${dataOffset}` };
        if (size > maxExtendedHeaderBytes)
          throw new LimitError(`extended tar header of ${size} bytes at offset ${dataOffset} in ${path}`);
        const data = await readData(dataOffset, size);
        try {
          overrides = applyExtendedHeader(overrides, header.typeFlag, data);
        } catch (error) {
          if (!(error instanceof TarHeaderError)) throw error;
          return { entries, damage: `${error.message} at offset ${dataOffset}` };
        }
        continue;
      }
      if (header.typeFlag === "g") continue;

      const name = normaliseEntryName(overrides.name ?? header.name);
      const entry: TarEntry = {
        name,
        type: entryType(header.typeFlag),
        linkName: overrides.linkName ?? header.linkName,
        dataOffset,
        size: hasData(header.typeFlag) ? size : 0,
        complete,
      };
      overrides = {};
      if (name !== "") entries.set(name, entry);
      if (entries.size > maxEntries) throw new LimitError(`${path} has more than ${maxEntries} tar entries`);
      if (!complete) return { entries, damage: `the file ends inside the data of "${name}"` };
    }
  } finally {
    await handle.close();
  }
}

function applyExtendedHeader(overrides: PendingOverrides, typeFlag: string, data: Buffer): PendingOverrides {
  if (typeFlag === "L") return { ...overrides, name: decodeLongName(data) };
  if (typeFlag === "K") return { ...overrides, linkName: decodeLongName(data) };
  const records = parsePaxRecords(data);
  const next = { ...overrides };
  const path = records.get("path");
  const linkPath = records.get("linkpath");
  const size = records.get("size");
  if (path !== undefined) next.name = path;
  if (linkPath !== undefined) next.linkName = linkPath;
  if (size !== undefined) {
    if (!/^\d+$/.test(size) || !Number.isSafeInteger(Number(size))) throw new TarHeaderError("bad pax size record");
    next.size = Number(size);
  }
  return next;
}

function entryType(typeFlag: string): TarEntryType {
  switch (typeFlag) {
    case "0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}

/** Hardlinks, symlinks, devices and directories carry no data even if a size is written. */
function hasData(typeFlag: string): boolean {
  return typeFlag === "0" || typeFlag === "7" || !/^[1-6]$/.test(typeFlag);
}

/** "./blobs//sha256/x/" → "blobs/sha256/x"; ".." removes the segment before it. */
export function normaliseEntryName(name: string): string {
  const segments: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments.join("/");
}
