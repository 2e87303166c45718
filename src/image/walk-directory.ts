import type { Dirent } from "node:fs";
import { lstat, opendir, readFile, readlink } from "node:fs/promises";
import { errorMessage } from "../errors.ts";
import type { InterestMatcher } from "./interest.ts";
import { keepLimit } from "./keep-limit.ts";
import { emptyChanges, type LayerChanges } from "./layer-changes.ts";

export interface DirectoryWalkOptions<T> {
  matcher: InterestMatcher<T>;
  maxFileBytes: number;
}

/** Reads a root filesystem directory as one layer: never follows symlinks, reads only wanted files. */
export async function walkDirectory<T>(root: string, options: DirectoryWalkOptions<T>): Promise<LayerChanges> {
  const changes = emptyChanges();
  const pending: string[] = [""];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await readDir(root + dir);
    } catch (error) {
      changes.issues.push({ severity: "warning", message: `directory not readable: ${errorMessage(error)}`, path: dir || "/" });
      continue;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      changes.entries += 1;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) await recordSymlink(root, path, changes);
      else if (entry.isFile()) await collect(root, path, changes, options);
    }
  }
  return changes;
}

async function readDir(dir: string): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  for await (const entry of await opendir(dir || "/", { bufferSize: 256 })) entries.push(entry);
  return entries;
}

async function recordSymlink(root: string, path: string, changes: LayerChanges): Promise<void> {
  try {
    changes.symlinks.set(path, await readlink(root + path));
  } catch (error) {
    changes.issues.push({ severity: "warning", message: `symlink not readable: ${errorMessage(error)}`, path });
  }
}

async function collect<T>(root: string, path: string, changes: LayerChanges, options: DirectoryWalkOptions<T>): Promise<void> {
  const wants = options.matcher.match(path);
  if (wants.length === 0) return;
  const limit = keepLimit(wants, options.maxFileBytes);
  try {
    const { size } = await lstat(root + path);
    if (size > limit) {
      changes.dropped.push(path);
      changes.issues.push({ severity: "warning", message: `file of ${size} bytes is over the ${limit}-byte limit; skipped`, path });
      return;
    }
    const content = await readFile(root + path);
    changes.bytes += content.length;
    if (content.length <= limit) changes.files.set(path, content);
  } catch (error) {
    changes.issues.push({ severity: "warning", message: `file not readable: ${errorMessage(error)}`, path });
  }
}
