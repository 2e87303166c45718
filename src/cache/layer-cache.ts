import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { LayerChanges } from "../image/layer-changes.ts";
import { deserializeImageResult, type ImageResult, serializeImageResult } from "./image-result.ts";
import { deserializeChanges, serializeChanges } from "./serialize-changes.ts";

/** Per-layer walk results, so a rescan, or an image sharing base layers, reads only new layers. */
export interface LayerCache {
  get(key: string): Promise<LayerChanges | undefined>;
  put(key: string, changes: LayerChanges): Promise<void>;
  /** Whole-image results, keyed by imageCacheKey, so an unchanged image is not even merged again. */
  getImage?(key: string): Promise<ImageResult | undefined>;
  putImage?(key: string, result: ImageResult): Promise<void>;
}

const suffixes = [".layer.gz", ".image.gz"];

/** The cache key: the layer's identity plus everything that decides what a walk keeps. */
export function layerCacheKey(layer: { digest: string; diffId: string }, configuration: string): string {
  return createHash("sha256").update(`${layer.digest}\0${layer.diffId}\0${configuration}`).digest("hex");
}

/**
 * One gzip file per layer (and per image) under `dir`. Reads touch the file's time; after each write the
 * oldest files are evicted until the folder is under `maxBytes`.
 */
export function diskLayerCache(dir: string, maxBytes: number): LayerCache {
  const read = async <T>(name: string, parse: (bytes: Buffer) => T): Promise<T | undefined> => {
    const file = join(dir, name);
    try {
      const value = parse(gunzipSync(await readFile(file)));
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return value;
    } catch {
      return undefined;
    }
  };
  const write = async (name: string, bytes: Buffer): Promise<void> => {
    await mkdir(dir, { recursive: true });
    const file = join(dir, name);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, gzipSync(bytes, { level: 1 }));
    await rename(temporary, file);
    await evict(dir, maxBytes);
  };
  return {
    get: (key) => read(`${key}.layer.gz`, deserializeChanges),
    put: (key, changes) => write(`${key}.layer.gz`, serializeChanges(changes)),
    getImage: (key) => read(`${key}.image.gz`, deserializeImageResult),
    putImage: (key, result) => write(`${key}.image.gz`, serializeImageResult(result)),
  };
}

const isEntry = (name: string): boolean => suffixes.some((suffix) => name.endsWith(suffix));

async function evict(dir: string, maxBytes: number): Promise<void> {
  const entries = await Promise.all(
    (await readdir(dir)).filter(isEntry).map(async (name) => {
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

/** Deletes every cached layer and image; returns how many bytes were freed. */
export async function cleanLayerCache(dir: string): Promise<number> {
  let freed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isEntry(name) && !name.endsWith(".tmp")) continue;
    freed += (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
    await rm(join(dir, name), { force: true });
  }
  return freed;
}
