import type { Dirent } from "node:fs";
import { lstat, open, opendir, readFile, readlink } from "node:fs/promises";
import { errorMessage } from "../errors.ts";
import type { InterestMatcher } from "./interest.ts";
import { hasExecutableBit, isExecutableFormat } from "./executable.ts";
import { keepFile, type OnFile, wantsFor } from "./keep-file.ts";
import { keepLimit } from "./keep-limit.ts";
import { emptyChanges, type LayerChanges } from "./layer-changes.ts";
import { defaultLimits } from "../limits.ts";

export interface DirectoryWalkOptions<T> {
  matcher: InterestMatcher<T>;
  maxFileBytes: number;
  onFile?: OnFile<T>;
  /** File contents the walk may keep in memory; default defaultLimits.maxLayerKeptBytes. */
  maxLayerKeptBytes?: number;
}

/** What the walk keeps in memory, and what it skipped once its budget ran out. */
interface Kept {
  bytes: number;
  skipped: number;
  first: string | undefined;
}

/** Reads a root filesystem directory as one layer: never follows symlinks, reads only wanted files. */
export async function walkDirectory<T>(root: string, options: DirectoryWalkOptions<T>): Promise<LayerChanges> {
  const changes = emptyChanges();
  const kept: Kept = { bytes: 0, skipped: 0, first: undefined };
  const budget = options.maxLayerKeptBytes ?? defaultLimits.maxLayerKeptBytes;
  const pending: string[] = [""];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = await readDir(root + dir);
    } catch (error) {
      changes.issues.push({
        severity: "warning",
        message: `directory not readable: ${errorMessage(error)}`,
        path: dir || "/",
      });
      continue;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      changes.entries += 1;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) await recordSymlink(root, path, changes);
      else if (entry.isFile()) await collect(root, path, changes, options);
      const bytes = changes.files.get(path)?.length ?? 0;
      if (bytes > 0 && kept.bytes + bytes > budget) {
        changes.files.delete(path);
        changes.dropped.push(path);
        kept.skipped += 1;
        kept.first ??= path;
      } else kept.bytes += bytes;
    }
  }
  if (kept.skipped > 0) {
    changes.issues.push({
      severity: "warning",
      message: `the files kept from this layer passed its ${budget}-byte budget: ${kept.skipped} more skipped, the first ${kept.first ?? ""}`,
    });
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

async function collect<T>(
  root: string,
  path: string,
  changes: LayerChanges,
  options: DirectoryWalkOptions<T>,
): Promise<void> {
  const named = options.matcher.match(path);
  if (named.length === 0 && options.matcher.executables.length === 0) return;
  try {
    const { size, mode } = await lstat(root + path);
    const executable = hasExecutableBit(mode) && size >= 4 ? options.matcher.executables : [];
    const wants = [...named, ...executable];
    if (wants.length === 0) return;
    const limit = keepLimit(wants, options.maxFileBytes);
    if (size > limit) {
      if (named.length === 0) return;
      changes.dropped.push(path);
      changes.issues.push({
        severity: "warning",
        message: `file of ${size} bytes is over the ${limit}-byte limit; skipped`,
        path,
      });
      return;
    }
    if (named.length === 0 && !isExecutableFormat(await readHead(root + path))) return;
    const content = await readFile(root + path);
    changes.bytes += content.length;
    if (content.length <= limit)
      await keepFile(path, content, wantsFor(named, executable, content), changes, options.onFile);
  } catch (error) {
    changes.issues.push({ severity: "warning", message: `file not readable: ${errorMessage(error)}`, path });
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
