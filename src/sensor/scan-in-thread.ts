/** One scan in the thread that calls it: open the image, scan it with the layer cache, close it; abandoned when stopped. */
import { diskLayerCache } from "../cache/layer-cache.ts";
import { defaultLayerCacheBytes, defaultLayerCacheDir } from "../cache/location.ts";
import type { Inventory } from "../model/inventory.ts";
import { scanImage } from "../scan.ts";
import { openSource } from "../source/open.ts";
import type { RegistrySourceOptions } from "../source/registry/registry-source.ts";
import type { ImageSource } from "../source/types.ts";

export interface SensorScan {
  reference: string;
  source: RegistrySourceOptions;
  /** Per-layer result cache; default $XDG_CACHE_HOME/strata/layers. */
  cacheDir?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Scans the image; resolves undefined when `signal` aborts first. The source is then closed, which cuts its
 * layer reads short, and the partial result is dropped. A scan busy without awaiting sees the signal only
 * when it next awaits: scanForSensor runs this in a worker it can end.
 */
export async function scanInThisThread(scan: SensorScan, signal: AbortSignal): Promise<Inventory | undefined> {
  signal.throwIfAborted();
  const layerCache = diskLayerCache(scan.cacheDir ?? defaultLayerCacheDir(scan.env), defaultLayerCacheBytes);
  let source: ImageSource | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (source === undefined) return Promise.resolve();
    closed ??= source.close();
    return closed;
  };
  const work = (async () => {
    source = await openSource(scan.reference, scan.source);
    try {
      return signal.aborted ? undefined : await scanImage(source, { layerCache });
    } finally {
      await close();
    }
  })();
  let onAbort = (): void => undefined;
  const stopped = new Promise<undefined>((resolve) => {
    onAbort = () => {
      resolve(undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  let inventory: Inventory | undefined;
  try {
    inventory = await Promise.race([work, stopped]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (inventory !== undefined) return inventory;
  await close();
  await work.catch(() => undefined);
  return undefined;
}
