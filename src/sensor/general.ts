/** General mode: each pass lists the images of the host's runtimes and scans the ones not scanned before. */
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "../errors.ts";
import { listImages, type RuntimeImage } from "../source/runtime/index.ts";
import { metadataPath } from "../source/runtime/containerd-metadata.ts";
import { defaultContainerdRoot, defaultDockerSocket, fromEnvironment } from "../source/runtime/options.ts";
import { storageLocation } from "../source/runtime/storage-location.ts";
import type { SensorContext } from "./context.ts";
import type { sensorRuntimes } from "./config.ts";
import { scanAndQueue } from "./scan-and-queue.ts";
import type { ScanState } from "./state.ts";

type SensorRuntime = (typeof sensorRuntimes)[number];

export interface PassSummary {
  listed: number;
  queued: number;
  failed: number;
}

export async function generalPass(context: SensorContext, state: ScanState): Promise<PassSummary> {
  const { log, signal } = context;
  // Read through a function: a scan awaited in between may have seen the signal abort.
  const stopped = (): boolean => signal.aborted;
  const summary: PassSummary = { listed: 0, queued: 0, failed: 0 };
  for (const runtime of await watchedRuntimes(context)) {
    if (stopped()) break;
    let images: RuntimeImage[];
    try {
      images = await listImages(runtime, context.runtime);
    } catch (error) {
      log.warn({ event: "list-failed", runtime, error: errorMessage(error) }, "cannot list the runtime's images");
      continue;
    }
    summary.listed += images.length;
    for (const image of images) {
      if (stopped()) break;
      if (state.isSettled(image.id)) continue;
      const outcome = await scanAndQueue(
        context,
        state,
        { key: image.id, reference: image.reference, fields: { runtime } },
        { runtime: context.runtime },
      );
      if (outcome === "queued") summary.queued++;
      if (outcome === "failed") summary.failed++;
    }
  }
  log.debug({ event: "pass-done", ...summary }, "pass over the runtimes done");
  return summary;
}

/** The configured runtimes, or the ones this host has: a Docker socket, containerd's database, a containers-storage root. */
export async function watchedRuntimes(context: SensorContext): Promise<SensorRuntime[]> {
  const { config, runtime } = context;
  if (config.runtimes !== undefined) return config.runtimes;
  const found: SensorRuntime[] = [];
  const dockerHost = runtime.dockerHost ?? fromEnvironment(runtime, "DOCKER_HOST");
  if (dockerHost !== undefined || (await exists(defaultDockerSocket))) found.push("docker");
  if (await exists(join(runtime.containerdRoot ?? defaultContainerdRoot, metadataPath))) found.push("containerd");
  const storage = await storageLocation(runtime).catch(() => undefined);
  if (storage !== undefined && (await exists(storage.root))) found.push("crio");
  return found;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
