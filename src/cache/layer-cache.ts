import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { LayerChanges } from "../image/layer-changes.ts";
import { deserializeChanges, serializeChanges } from "./serialize-changes.ts";

/** Per-layer walk results, so a rescan, or an image sharing base layers, reads only new layers. */
export interface LayerCache {
  get(key: string): Promise<LayerChanges | undefined>;
  put(key: string, changes: LayerChanges): Promise<void>;
}

/** The cache key: the layer's identity plus everything that decides what a walk keeps. */
export function layerCacheKey(layer: { digest: string; diffId: string }, configuration: string): string {
  return createHash("sha256").update(`${layer.digest}\0${layer.diffId}\0${configuration}`).digest("hex");
}

/**
 * One gzip file per layer under `dir`. Reads touch the file's time; after each write the oldest
 * files are evicted until the folder is under `maxBytes`.
 */
export function diskLayerCache(dir: string, maxBytes: number): LayerCache {
  const file = (key: string): string => join(dir, `${key}.layer.gz`);
  return {
    get: async (key) => {
      try {
        const bytes = await readFile(file(key));
        const changes = deserializeChanges(gunzipSync(bytes));
        const now = new Date();
        await utimes(file(key), now, now).catch(() => undefined);
        return changes;
      } catch {
        return undefined;
      }
    },
    put: async (key, changes) => {
      await mkdir(dir, { recursive: true });
      const temporary = `${file(key)}.${process.pid}.tmp`;
      await writeFile(temporary, gzipSync(serializeChanges(changes), { level: 1 }));
      await rename(temporary, file(key));
      await evict(dir, maxBytes);
    },
  };
}

async function evict(dir: string, maxBytes: number): Promise<void> {
  const entries = await Promise.all(
    (await readdir(dir))
      .filter((name) => name.endsWith(".layer.gz"))
      .map(async (name) => {
        const info = await stat(join(dir, name)).catch(() => undefined);
        return { name, size: info?.size ?? 0, time: info?.mtimeMs ?? 0 };
      }),
  );
  let total = entries.reduce((sum, entry) => sum + entry.size, 0);
  for (const entry of entries.sort((a, b) => a.time - b.time)) {
    if (total <= maxBytes) break;
    await rm(join(dir, entry.name), { force: true });
    total -= entry.size;
  }
}

/** Deletes every cached layer; returns how many bytes were freed. */
export async function cleanLayerCache(dir: string): Promise<number> {
  let freed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(".layer.gz") && !name.endsWith(".tmp")) continue;
    freed += (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
    await rm(join(dir, name), { force: true });
  }
  return freed;
}
