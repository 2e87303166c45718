import { type FileHandle, open } from "node:fs/promises";
import { InputError, LimitError } from "../errors.ts";

const endRecordSize = 22;
const maxCommentSize = 0xffff;
const zip64LocatorSize = 20;
const zip64EndRecordSize = 56;
const centralHeaderSize = 46;
const maxCentralDirectoryBytes = 512 * 1024 * 1024;

/**
 * Checks that a file is a whole zip: the end record is where it should be and the central
 * directory it points at is complete (every header signed, the count right, nothing after the
 * last one). Entries are not inflated. Resolves with the entry count.
 */
export async function checkZip(path: string): Promise<number> {
  const file = await open(path, "r");
  try {
    return await checkOpenZip(file);
  } finally {
    await file.close();
  }
}

async function checkOpenZip(file: FileHandle): Promise<number> {
  const { size } = await file.stat();
  const tailStart = Math.max(0, size - endRecordSize - maxCommentSize);
  const tail = await readAt(file, tailStart, size - tailStart);
  const end = findEndRecord(tail);
  if (end === undefined) throw new InputError("not a readable zip: no end of central directory record");
  let entries = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  let directoryEnd = tailStart + end;
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - zip64LocatorSize;
    if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) {
      throw new InputError("damaged zip: ZIP64 sizes without a ZIP64 locator");
    }
    const recordOffset = safeNumber(tail.readBigUInt64LE(locator + 8));
    const record = await readAt(file, recordOffset, zip64EndRecordSize);
    if (record.length < zip64EndRecordSize || record.readUInt32LE(0) !== 0x06064b50) {
      throw new InputError("damaged zip: no ZIP64 end of central directory record");
    }
    entries = safeNumber(record.readBigUInt64LE(32));
    directorySize = safeNumber(record.readBigUInt64LE(40));
    directoryOffset = safeNumber(record.readBigUInt64LE(48));
    directoryEnd = recordOffset;
  }
  if (directoryOffset + directorySize !== directoryEnd) {
    throw new InputError(
      `damaged zip: the central directory should end at byte ${directoryOffset + directorySize}, the end record is at ${directoryEnd}`,
    );
  }
  if (directorySize > maxCentralDirectoryBytes) {
    throw new LimitError(
      `zip central directory of ${directorySize} bytes is over the ${maxCentralDirectoryBytes}-byte limit`,
    );
  }
  const directory = await readAt(file, directoryOffset, directorySize);
  let at = 0;
  for (let index = 0; index < entries; index += 1) {
    if (at + centralHeaderSize > directory.length || directory.readUInt32LE(at) !== 0x02014b50) {
      throw new InputError(`damaged zip: central directory header ${index + 1} of ${entries} is missing`);
    }
    const localOffset = directory.readUInt32LE(at + 42);
    if (localOffset !== 0xffffffff && localOffset >= directoryOffset) {
      throw new InputError(`damaged zip: entry ${index + 1} points past the file data`);
    }
    at +=
      centralHeaderSize +
      directory.readUInt16LE(at + 28) +
      directory.readUInt16LE(at + 30) +
      directory.readUInt16LE(at + 32);
  }
  if (at !== directory.length)
    throw new InputError(`damaged zip: the central directory does not hold ${entries} entries`);
  return entries;
}

/** The last end-of-central-directory record whose comment runs exactly to the end of the file. */
function findEndRecord(tail: Buffer): number | undefined {
  for (let at = tail.length - endRecordSize; at >= 0; at -= 1) {
    if (tail.readUInt32LE(at) === 0x06054b50 && at + endRecordSize + tail.readUInt16LE(at + 20) === tail.length) {
      return at;
    }
  }
  return undefined;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError("damaged zip: a ZIP64 size is out of range");
  return Number(value);
}
