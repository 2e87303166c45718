import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { posix } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { InputError } from "../errors.ts";
import type { FileLookup, LayoutFiles } from "./layout-files.ts";
import { type TarEntry, type TarIndex, indexTar, normaliseEntryName } from "./tar-index.ts";

const maxLinkHops = 16;

type Unreadable = { reason: string; declaredSize?: number };
const streamChunkBytes = 1 << 20;

/** The files inside a tar archive, read in place through its index. */
export class TarFiles implements LayoutFiles {
  readonly label: string;
  private readonly path: string;
  private readonly index: TarIndex;

  private constructor(path: string, index: TarIndex) {
    this.path = path;
    this.index = index;
    this.label = `archive ${path}`;
  }

  static async open(path: string): Promise<TarFiles> {
    return new TarFiles(path, await indexTar(path));
  }

  /** Why the archive could not be indexed to its end; undefined when it is whole. */
  get damage(): string | undefined {
    return this.index.damage;
  }

  has(name: string): boolean {
    return this.index.entries.has(normaliseEntryName(name));
  }

  lookup(name: string): Promise<FileLookup> {
    const found = this.resolve(name);
    if ("reason" in found) return Promise.resolve({ found: false, ...found });
    return Promise.resolve({ found: true, size: found.size });
  }

  openStream(name: string): Promise<Readable> {
    const found = this.resolve(name);
    if ("reason" in found) return Promise.reject(new InputError(found.reason));
    if (found.size === 0) return Promise.resolve(new PassThrough().end());
    const stream = createReadStream(this.path, {
      start: found.dataOffset,
      end: found.dataOffset + found.size - 1,
      highWaterMark: streamChunkBytes,
    });
    return Promise.resolve(stream);
  }

  async readBytes(name: string, size: number): Promise<Buffer> {
    const entry = this.readable(name);
    const bytes = Buffer.alloc(Math.min(size, entry.size));
    const handle = await open(this.path, "r");
    try {
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, entry.dataOffset);
      if (bytesRead < bytes.length) throw new InputError(`"${name}" is cut short in ${this.label}`);
    } finally {
      await handle.close();
    }
    return bytes;
  }

  private readable(name: string): TarEntry {
    const found = this.resolve(name);
    if ("reason" in found) throw new InputError(found.reason);
    return found;
  }

  /** Follows links inside the archive (docker save links repeated layers); gives a reason on failure. */
  private resolve(name: string): TarEntry | Unreadable {
    let current = normaliseEntryName(name);
    for (let hop = 0; hop <= maxLinkHops; hop++) {
      const entry = this.index.entries.get(current);
      if (entry === undefined) return { reason: this.missingReason(name) };
      if (entry.type === "file") {
        if (entry.complete) return entry;
        return {
          reason: `"${name}" is cut short in ${this.label}: the archive is truncated`,
          declaredSize: entry.size,
        };
      }
      if (entry.type === "symlink") current = normaliseEntryName(posix.join(posix.dirname(current), entry.linkName));
      else if (entry.type === "hardlink") current = normaliseEntryName(entry.linkName);
      else return { reason: `"${name}" in ${this.label} is not a regular file` };
    }
    return { reason: `"${name}" in ${this.label} is a chain of more than ${maxLinkHops} links` };
  }

  private missingReason(name: string): string {
    const damage =
      this.index.damage === undefined ? "" : ` (the archive is damaged or truncated: ${this.index.damage})`;
    return `"${name}" is missing from ${this.label}${damage}`;
  }
}
