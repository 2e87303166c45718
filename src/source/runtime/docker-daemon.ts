/**
 * Images held by a Docker Engine, read through its API: inspect for the names and platform, then the
 * `docker save` stream. That stream is written to a temporary file and read in place as a docker-archive,
 * because its layout does not fit a single pass: manifest.json, which gives the layer order, comes after the
 * layers, and the layers come in the order of their names, not the image's. The file is removed on close.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { SourceError, errorMessage } from "../../errors.ts";
import type { ImageDescription } from "../../model/inventory.ts";
import { openDockerArchive } from "../docker-archive.ts";
import { checkSingleImagePlatform } from "../platform-check.ts";
import { TarFiles } from "../tar-files.ts";
import type { ImageSource } from "../types.ts";
import { DockerEngine, engineAddress, type EngineImage } from "./docker-engine.ts";
import type { RuntimeOptions } from "./options.ts";
import { RuntimeImageSource } from "./runtime-source.ts";
import type { RuntimeImage, RuntimeRequest, RuntimeSourceKind } from "./types.ts";

export async function openDockerDaemon(request: RuntimeRequest): Promise<ImageSource> {
  const engine = new DockerEngine(engineAddress(request.options));
  const image = await engine.inspectImage(request.name, request.maxMetadataBytes);
  if (image.os !== undefined && image.architecture !== undefined) {
    const platform = {
      os: image.os,
      architecture: image.architecture,
      ...(image.variant ? { variant: image.variant } : {}),
    };
    checkSingleImagePlatform(request.platform, platform, request.reference);
  }
  const spool = await mkdtemp(join(request.options.spoolDir ?? tmpdir(), "strata-docker-"));
  const removeSpool = (): Promise<void> => rm(spool, { recursive: true, force: true });
  try {
    const file = join(spool, "image.tar");
    await spoolSave(engine, request.name, file);
    const archive = await openDockerArchive(await TarFiles.open(file), {
      reference: request.reference,
      maxMetadataBytes: request.maxMetadataBytes,
      ...(request.platform === undefined ? {} : { platform: request.platform }),
    });
    checkLayers(
      image,
      archive.layers.map((layer) => layer.diffId),
      engine.address.label,
    );
    const description: ImageDescription = {
      ...archive.description,
      kind: "docker-daemon" satisfies RuntimeSourceKind,
      reference: request.reference,
      tags: image.repoTags,
    };
    return new RuntimeImageSource(archive, description, removeSpool);
  } catch (error) {
    await removeSpool();
    throw error;
  }
}

async function spoolSave(engine: DockerEngine, name: string, file: string): Promise<void> {
  const stream = await engine.saveImage(name);
  try {
    await pipeline(stream, createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    throw new SourceError(`the ${engine.address.label} broke off \`docker save\` of ${name}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** The saved archive must be the image that was inspected (a tag can move between the two calls). */
function checkLayers(image: EngineImage, diffIds: string[], label: string): void {
  if (image.layers.length === 0) return;
  if (image.layers.length !== diffIds.length || image.layers.some((diffId, i) => diffIds[i] !== diffId)) {
    throw new SourceError(`the image ${image.id} changed in the ${label} while it was being saved; scan it again`);
  }
}

export async function listDockerImages(options: RuntimeOptions): Promise<RuntimeImage[]> {
  const engine = new DockerEngine(engineAddress(options));
  const images = await engine.listImages();
  return images.map((image) => ({
    runtime: "docker",
    id: image.id,
    names: image.repoTags,
    digests: image.repoDigests,
    reference: `docker:${image.repoTags[0] ?? image.id}`,
    ...(image.created === undefined ? {} : { created: new Date(image.created * 1000).toISOString() }),
    ...(image.size === undefined ? {} : { size: image.size }),
  }));
}
