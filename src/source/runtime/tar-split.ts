/**
 * Rebuilds a layer's original tar from containers-storage's tar-split record and the layer's files on disk.
 * The record (<layer>.tar-split.gz) is gzipped JSON lines: type 2 entries carry raw tar bytes verbatim
 * (headers, padding, the end-of-archive blocks) as base64 "payload"; type 1 entries name a file ("name", or
 * base64 "name_raw" when it is not UTF-8) whose "size" bytes of content come from the layer directory. The
 * result is byte-for-byte the tar the layer was made from, so it matches the layer's diff ID, whiteouts and
 * opaque-directory markers included, whatever the storage driver made of them on disk.
 */
import { constants, createReadStream } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError, errorMessage } from "../../errors.ts";
import { isMissing } from "../directory-files.ts";
import { isJsonObject } from "../json.ts";

type SplitEntry = { kind: "raw"; bytes: Buffer } | { kind: "file"; name: Buffer; size: number };

const maxLineBytes = 16 * 1024 * 1024;
const readChunkBytes = 1 << 20;
const slash = 0x2f;

/** The layer's tar as a stream; errors (a missing or changed file) destroy the stream with an InputError. */
export function tarFromSplit(splitFile: string, layerDir: string, label: string): Readable {
  return Readable.from(tarChunks(splitFile, layerDir, label), { objectMode: false });
}

async function* tarChunks(splitFile: string, layerDir: string, label: string): AsyncGenerator<Buffer> {
  const root = await realDir(layerDir, label);
  let line = 0;
  for await (const text of jsonLines(splitFile, label)) {
    line += 1;
    const entry = parseEntry(text, `${label}: tar-split ${splitFile} line ${line}`);
    if (entry.kind === "raw") {
      if (entry.bytes.length > 0) yield entry.bytes;
    } else if (entry.size > 0) {
      yield* fileContent(root, entry, label);
    }
  }
}

async function realDir(dir: string, label: string): Promise<Buffer> {
  try {
    return await realpath(Buffer.from(dir), { encoding: "buffer" });
  } catch (error) {
    throw new InputError(`${label}: the layer's directory ${dir} is not readable: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

async function* jsonLines(file: string, label: string): AsyncGenerator<string> {
  const input = pipeline(createReadStream(file), createGunzip(), () => undefined);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
        pending.push(chunk.subarray(start, newline));
        yield Buffer.concat(pending).toString("utf8");
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
      }
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes)
        throw new InputError(`${label}: tar-split ${file} has a line over ${maxLineBytes} bytes`);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (isMissing(error)) {
      throw new InputError(
        `${label} has no tar-split record (${file}), so its original tar cannot be rebuilt; ` +
          "layers stored without one (partial or composefs pulls) are not supported",
        { cause: error },
      );
    }
    throw new InputError(`${label}: tar-split ${file} is not readable: ${errorMessage(error)}`, { cause: error });
  }
  const rest = Buffer.concat(pending).toString("utf8");
  if (rest.trim() !== "") yield rest;
}

function parseEntry(text: string, what: string): SplitEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${what} is not JSON`, { cause: error });
  }
  if (!isJsonObject(value)) throw new InputError(`${what} is not a JSON object`);
  const { type, payload, name, name_raw: nameRaw, size } = value;
  if (type === 2) {
    if (payload === null || payload === undefined) return { kind: "raw", bytes: Buffer.alloc(0) };
    if (typeof payload !== "string") throw new InputError(`${what}: "payload" must be base64 text`);
    return { kind: "raw", bytes: Buffer.from(payload, "base64") };
  }
  if (type !== 1) throw new InputError(`${what}: unknown entry type ${String(type)}`);
  const bytes = size === undefined || size === null ? 0 : size;
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0)
    throw new InputError(`${what}: "size" must be a non-negative integer`);
  if (typeof nameRaw === "string" && nameRaw !== "")
    return { kind: "file", name: Buffer.from(nameRaw, "base64"), size: bytes };
  if (typeof name !== "string") throw new InputError(`${what}: a file entry has no name`);
  return { kind: "file", name: Buffer.from(name, "utf8"), size: bytes };
}

async function* fileContent(
  root: Buffer,
  entry: { name: Buffer; size: number },
  label: string,
): AsyncGenerator<Buffer> {
  const shown = entry.name.toString("utf8");
  const parts = splitName(entry.name);
  if (parts === undefined) throw new InputError(`${label}: tar-split names a file outside the layer: "${shown}"`);
  const base = parts.pop();
  if (base === undefined) throw new InputError(`${label}: tar-split names the layer root as a file`);
  let parent: Buffer;
  try {
    parent = await realpath(joinBytes(root, parts), { encoding: "buffer" });
  } catch (error) {
    throw missingFile(label, shown, error);
  }
  if (!parent.equals(root) && !isInside(parent, root)) {
    throw new InputError(`${label}: "${shown}" leads outside the layer's directory through a symbolic link`);
  }
  let handle;
  try {
    handle = await open(joinBytes(parent, [base]), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw missingFile(label, shown, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size !== entry.size) {
      throw new InputError(
        `${label}: "${shown}" on disk is ${info.isFile() ? `${info.size} bytes` : "not a regular file"}, but the layer's tar had ${entry.size} bytes: the layer was changed after it was stored`,
      );
    }
    let read = 0;
    for await (const chunk of handle.createReadStream({
      start: 0,
      end: entry.size - 1,
      highWaterMark: readChunkBytes,
      autoClose: false,
    }) as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
    }
    if (read !== entry.size) throw new InputError(`${label}: "${shown}" was cut short while it was read`);
  } finally {
    await handle.close();
  }
}

function missingFile(label: string, name: string, error: unknown): InputError {
  return new InputError(`${label}: the layer's file "${name}" cannot be read: ${errorMessage(error)}`, {
    cause: error,
  });
}

/** The name's components, without "." and empty ones; undefined when one is "..". */
function splitName(name: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name[i] !== slash) continue;
    const part = name.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === 0x2e)) continue;
    if (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e) return undefined;
    parts.push(part);
  }
  return parts;
}

function joinBytes(root: Buffer, parts: Buffer[]): Buffer {
  const pieces: Buffer[] = [root];
  for (const part of parts) pieces.push(Buffer.from([slash]), part);
  return Buffer.concat(pieces);
}

function isInside(path: Buffer, root: Buffer): boolean {
  return path.length > root.length && path[root.length] === slash && path.subarray(0, root.length).equals(root);
}
