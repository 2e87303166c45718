import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { InputError } from "../errors.ts";
import type { FileLookup, LayoutFiles } from "./layout-files.ts";

const streamChunkBytes = 1 << 20;

/** The files of an image layout stored as a directory. Names come from validated digests or fixed names. */
export class DirectoryFiles implements LayoutFiles {
  readonly label: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
    this.label = `directory ${root}`;
  }

  async lookup(name: string): Promise<FileLookup> {
    try {
      const info = await stat(this.pathOf(name));
      if (!info.isFile()) return { found: false, reason: `"${name}" in ${this.label} is not a regular file` };
      return { found: true, size: info.size };
    } catch (error) {
      if (isMissing(error)) return { found: false, reason: `"${name}" is missing from ${this.label}` };
      throw error;
    }
  }

  async openStream(name: string): Promise<Readable> {
    await this.requireFile(name);
    return createReadStream(this.pathOf(name), { highWaterMark: streamChunkBytes });
  }

  async readBytes(name: string, size: number): Promise<Buffer> {
    await this.requireFile(name);
    const handle = await open(this.pathOf(name), "r");
    try {
      const bytes = Buffer.alloc(size);
      const { bytesRead } = await handle.read(bytes, 0, size, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  private async requireFile(name: string): Promise<void> {
    const found = await this.lookup(name);
    if (!found.found) throw new InputError(found.reason);
  }

  private pathOf(name: string): string {
    return join(this.root, ...name.split("/"));
  }
}

export function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}
