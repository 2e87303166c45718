/** Files that are whole or absent after a crash: written to a temporary name, synced, then renamed. */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes `path` atomically and durably. `temp` is the temporary file, in the same folder; by default
 * `<path>.tmp-<pid>-<random>`.
 */
export async function writeFileDurably(
  path: string,
  data: Uint8Array | string,
  temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`,
): Promise<void> {
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename or unlink in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
