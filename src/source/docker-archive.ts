/** `docker save` archives: manifest.json → config + uncompressed layer tars (classic and docker 25+ forms). */
import { InputError } from "../errors.ts";
import type { ImageDescription } from "../model/inventory.ts";
import { digestOf, digestOfBlobPath, verifyDigest } from "./digest.ts";
import { layersOf, type LayerBlob, parseImageConfig } from "./image-config.ts";
import { expectArray, expectObject, optionalObject, optionalStringArray, requiredString } from "./json.ts";
import { type LayoutFiles, readJsonDocument } from "./layout-files.ts";
import { type Descriptor, mediaTypes, parseDescriptor } from "./oci-documents.ts";
import { checkSingleImagePlatform } from "./platform-check.ts";
import { DockerArchiveSource } from "./docker-archive-source.ts";
import { normaliseEntryName } from "./tar-index.ts";

export interface DockerArchiveRequest {
  /** What the user asked for, as given. */
  reference: string;
  /** A RepoTag or "@N" (position in manifest.json) choosing among several saved images. */
  ref?: string;
  platform?: string;
  maxMetadataBytes: number;
}

interface SavedImage {
  config: string;
  repoTags: string[];
  layers: string[];
  /** Descriptors by diff ID, written by docker 25+. */
  layerSources: Map<string, Descriptor>;
}

export async function openDockerArchive(
  files: LayoutFiles,
  request: DockerArchiveRequest,
): Promise<DockerArchiveSource> {
  const manifest = await readJsonDocument(files, "manifest.json", request.maxMetadataBytes);
  const saved = expectArray(manifest.value, `manifest.json in ${files.label}`).map((entry, i) =>
    parseSavedImage(entry, `manifest.json[${i}] in ${files.label}`),
  );
  const image = chooseSavedImage(saved, request, files.label);

  const configName = normaliseEntryName(image.config);
  const config = await readJsonDocument(files, configName, request.maxMetadataBytes);
  const configDigest = digestOf(config.bytes);
  const namedDigest = digestOfConfigName(configName);
  if (namedDigest !== undefined) verifyDigest(config.bytes, namedDigest, `config ${configName} in ${files.label}`);
  const parsed = parseImageConfig(config.value, `config ${configName} in ${files.label}`);
  checkSingleImagePlatform(request.platform, parsed.platform, request.reference);

  const blobNames = image.layers.map(normaliseEntryName);
  const blobs: LayerBlob[] = [];
  for (const [index, name] of blobNames.entries()) {
    const diffId = parsed.diffIds[index] ?? "";
    const found = await files.lookup(name);
    const size = found.found ? found.size : found.declaredSize;
    blobs.push(layerBlob(name, diffId, size, image.layerSources.get(diffId)));
  }

  const description: ImageDescription = {
    kind: "docker-archive",
    reference: request.reference,
    configDigest,
    tags: image.repoTags,
    ...(parsed.platform === undefined ? {} : { platform: parsed.platform }),
    ...(parsed.created === undefined ? {} : { created: parsed.created }),
  };
  return new DockerArchiveSource(
    description,
    layersOf(parsed, blobs, `manifest.json in ${files.label}`),
    files,
    blobNames,
  );
}

/**
 * docker save stores layers uncompressed, so a layer blob's digest is its diff ID, or the digest its
 * blobs/sha256 name spells (docker 25+). LayerSources supplies the media type when it describes that blob.
 */
function layerBlob(
  name: string,
  diffId: string,
  storedSize: number | undefined,
  source: Descriptor | undefined,
): LayerBlob {
  const digest = digestOfBlobPath(name) ?? diffId;
  const described = source?.digest === digest ? source : undefined;
  return {
    digest,
    size: storedSize ?? described?.size ?? 0,
    mediaType: described?.mediaType ?? mediaTypes.dockerLayer,
  };
}

/** "<hex>.json" (classic) and "blobs/sha256/<hex>" (docker 25+) config names spell the config digest. */
function digestOfConfigName(name: string): string | undefined {
  const classic = /^([a-f0-9]{64})\.json$/.exec(name);
  return classic ? `sha256:${classic[1]}` : digestOfBlobPath(name);
}

function parseSavedImage(value: unknown, what: string): SavedImage {
  const object = expectObject(value, what);
  const layers = optionalStringArray(object, "Layers", what);
  if (layers === undefined) throw new InputError(`${what}: "Layers" is missing`);
  const layerSources = new Map<string, Descriptor>();
  for (const [diffId, descriptor] of Object.entries(optionalObject(object, "LayerSources", what) ?? {})) {
    layerSources.set(diffId, parseDescriptor(descriptor, `${what} LayerSources`));
  }
  return {
    config: requiredString(object, "Config", what),
    repoTags: optionalStringArray(object, "RepoTags", what) ?? [],
    layers,
    layerSources,
  };
}

function chooseSavedImage(saved: SavedImage[], request: DockerArchiveRequest, label: string): SavedImage {
  const { ref } = request;
  if (ref !== undefined) {
    const position = /^@(\d+)$/.exec(ref);
    const chosen = position
      ? saved[Number(position[1])]
      : saved.find((image) => image.repoTags.includes(ref) || image.repoTags.includes(`${ref}:latest`));
    if (chosen === undefined) throw new InputError(`${label} has no image "${ref}"; it holds ${describeSaved(saved)}`);
    return chosen;
  }
  const [only, ...others] = saved;
  if (only === undefined) throw new InputError(`manifest.json in ${label} lists no images`);
  if (others.length > 0) {
    throw new InputError(
      `${label} holds ${saved.length} images (${describeSaved(saved)}); choose one with docker-archive:PATH:TAG or docker-archive:PATH:@N`,
    );
  }
  return only;
}

function describeSaved(saved: SavedImage[]): string {
  return saved
    .map((image, i) => (image.repoTags.length > 0 ? `@${i} ${image.repoTags.join(", ")}` : `@${i} (untagged)`))
    .join("; ");
}
