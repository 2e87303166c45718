/** Scans one image, puts its inventory in the upload queue and records it as scanned; failures are recorded too. */
import { errorMessage } from "../errors.ts";
import type { Inventory } from "../model/inventory.ts";
import type { RegistrySourceOptions } from "../source/registry/registry-source.ts";
import type { QueueEntry } from "../upload/queue.ts";
import { gzipInventory } from "../upload/upload.ts";
import type { SensorContext } from "./context.ts";
import { scanForSensor } from "./scan-image.ts";
import { maxFailures, type ScanState } from "./state.ts";

export interface ImageToScan {
  /** What the state is keyed by: the runtime's image id, or the manifest digest in a registry. */
  key: string;
  reference: string;
  /** Tags known for the image, such as the registry tags that point at a digest; added to the inventory's. */
  tags?: string[];
  /** Extra log fields, such as the runtime or the repository and tag. */
  fields: Record<string, string>;
}

export type ScanOutcome = "queued" | "failed" | "abandoned";

/** Scans the image as the sensor does: in a worker, with the layer cache, abandoned (undefined) on a stop. */
export function scanWithCache(
  context: SensorContext,
  reference: string,
  source: RegistrySourceOptions,
): Promise<Inventory | undefined> {
  const { cacheDir } = context.config;
  return scanForSensor(
    { reference, source, ...(cacheDir === undefined ? {} : { cacheDir }), env: context.env },
    context.signal,
  );
}

/** Logs a finished scan and puts its inventory in the upload queue. */
export async function queueScanned(
  context: SensorContext,
  inventory: Inventory,
  fields: Record<string, string>,
  started: number,
): Promise<QueueEntry> {
  context.log.info(
    {
      event: "scanned",
      ...fields,
      layers: inventory.layers.length,
      packages: inventory.packages.length,
      issues: inventory.issues.length,
      ms: Date.now() - started,
    },
    "scanned image",
  );
  return context.queue.enqueue(await gzipInventory(inventory));
}

export async function scanAndQueue(
  context: SensorContext,
  state: ScanState,
  image: ImageToScan,
  source: RegistrySourceOptions,
): Promise<ScanOutcome> {
  const { log } = context;
  const fields = { reference: image.reference, id: image.key, ...image.fields };
  const started = Date.now();
  log.info({ event: "scanning", ...fields }, "scanning image");
  let inventory: Inventory | undefined;
  try {
    inventory = await scanWithCache(context, image.reference, source);
    if (inventory === undefined) {
      log.info({ event: "scan-abandoned", ...fields }, "stopping: scan abandoned");
      return "abandoned";
    }
    if (image.tags !== undefined) {
      inventory.image.tags = [...new Set([...inventory.image.tags, ...image.tags])];
    }
    const entry = await queueScanned(context, inventory, fields, started);
    state.markScanned(image.key, image.reference);
    await state.save();
    log.info({ event: "queued", ...fields, entry: entry.name, bytes: entry.size }, "queued inventory");
    context.drainer.wake();
    return "queued";
  } catch (error) {
    if (context.signal.aborted) {
      log.info({ event: "scan-abandoned", ...fields }, "stopping: scan abandoned");
      return "abandoned";
    }
    const failures = state.markFailed(image.key, image.reference, errorMessage(error));
    await state.save();
    const final = failures >= maxFailures;
    log.warn(
      { event: "scan-failed", ...fields, failures, error: errorMessage(error) },
      final ? `scan failed ${failures} times; not trying this image again` : "scan failed; trying again next pass",
    );
    return "failed";
  }
}
