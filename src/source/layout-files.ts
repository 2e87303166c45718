import type { Readable } from "node:stream";
import { InputError, LimitError } from "../errors.ts";

/** Whether a stored file can be read, or why not (a cut-short file still knows the size it should have). */
export type FileLookup = { found: true; size: number } | { found: false; reason: string; declaredSize?: number };

/**
 * The files of an image layout or archive by their names inside it ("index.json", "blobs/sha256/…"),
 * whether they sit in a directory or inside a tar.
 */
export interface LayoutFiles {
  /** What holds the files, for messages: "archive img.tar" or "directory layout/". */
  readonly label: string;
  lookup(name: string): Promise<FileLookup>;
  /** Rejects with InputError when the file is missing or cut short. */
  openStream(name: string): Promise<Readable>;
  /** Reads a whole (small) file; rejects with InputError when it cannot be read. */
  readBytes(name: string, size: number): Promise<Buffer>;
}

export interface JsonDocument {
  bytes: Buffer;
  value: unknown;
}

/** Reads and parses a JSON metadata file, refusing files larger than maxBytes. */
export async function readJsonDocument(files: LayoutFiles, name: string, maxBytes: number): Promise<JsonDocument> {
  const found = await files.lookup(name);
  if (!found.found) throw new InputError(found.reason);
  if (found.size > maxBytes) {
    throw new LimitError(
      `${name} in ${files.label} is ${found.size} bytes, over the ${maxBytes}-byte limit for metadata`,
    );
  }
  const bytes = await files.readBytes(name, found.size);
  try {
    return { bytes, value: JSON.parse(bytes.toString("utf8")) };
  } catch (error) {
    throw new InputError(`${name} in ${files.label} is not valid JSON`, { cause: error });
  }
}
