/**
 * Images in containers-storage (CRI-O, Podman, Buildah, skopeo), read from its graph root without a daemon:
 * <driver>-images/images.json names the image and its top layer, the image's "big data" files hold its
 * manifest and config, <driver>-layers/layers.json chains the layers, and each layer's tar is rebuilt from
 * its tar-split record and its files (overlay/<id>/diff, or vfs/dir/<id>).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError, SourceError, InternalError, errorMessage } from "../../errors.ts";
import type { ImageDescription } from "../../model/inventory.ts";
import type { Layer } from "../../model/layer.ts";
import { isDigest, verifyDigest } from "../digest.ts";
import { isMissing } from "../directory-files.ts";
import { type ImageConfig, layersOf, parseImageConfig } from "../image-config.ts";
import { expectArray, expectObject, optionalString, optionalStringArray } from "../json.ts";
import { documentKind, parseImageManifest } from "../oci-documents.ts";
import { checkSingleImagePlatform } from "../platform-check.ts";
import type { ImageSource, LayerContent } from "../types.ts";
import { chooseNamedImage, type NamedImage } from "./image-names.ts";
import type { RuntimeOptions } from "./options.ts";
import { splitStorageReference, type StorageDriver, storageLocation } from "./storage-location.ts";
import { tarFromSplit } from "./tar-split.ts";
import type { RuntimeImage, RuntimeRequest, RuntimeSourceKind } from "./types.ts";

interface StoredImage extends NamedImage {
  /** The manifest digest the image was stored under. */
  digest?: string;
  topLayer?: string;
  bigDataNames: string[];
  created?: string;
}

interface StoredLayer {
  id: string;
  parent?: string;
  diffDigest?: string;
  diffSize?: number;
}

interface Store {
  root: string;
  driver: StorageDriver;
  label: string;
}

const idPattern = /^[a-f0-9]{64}$/;
const uncompressedLayer = "application/vnd.oci.image.layer.v1.tar";
const maxStoreIndexBytes = 256 * 1024 * 1024;
const maxLayerChain = 1024;

export async function openContainersStorage(request: RuntimeRequest): Promise<ImageSource> {
  const { name, ...where } = splitStorageReference(request.name);
  if (name === "") throw new InputError(`"${request.reference}" names no image`);
  const store = await openStore(request.options, where);
  const image = chooseNamedImage(await readImages(store), name, store.label);
  const chain = layerChain(image, await readLayers(store), store);
  const { config, configDigest } = await readConfig(store, image, request.maxMetadataBytes);
  checkSingleImagePlatform(request.platform, config.platform, request.reference);

  const what = `image ${image.id} in ${store.label}`;
  if (chain.length !== config.diffIds.length) {
    throw new InputError(`${what} has ${chain.length} layers but its config lists ${config.diffIds.length} diff_ids`);
  }
  chain.forEach((layer, i) => {
    const diffId = config.diffIds[i];
    if (layer.diffDigest !== undefined && layer.diffDigest !== diffId) {
      throw new InputError(
        `${what}: layer ${layer.id} holds ${layer.diffDigest}, but the config's diff_id ${i} is ${diffId ?? "missing"}`,
      );
    }
  });
  const blobs = chain.map((layer, i) => ({
    digest: config.diffIds[i] ?? "",
    size: layer.diffSize ?? 0,
    mediaType: uncompressedLayer,
  }));
  const description: ImageDescription = {
    kind: "containers-storage" satisfies RuntimeSourceKind,
    reference: request.reference,
    ...(image.digest === undefined ? {} : { manifestDigest: image.digest }),
    configDigest,
    tags: image.names.filter((tag) => !tag.includes("@")),
    ...(config.platform === undefined ? {} : { platform: config.platform }),
    ...(config.created === undefined ? {} : { created: config.created }),
  };
  return new ContainersStorageSource(description, layersOf(config, blobs, what), store, chain);
}

export async function listContainersStorageImages(options: RuntimeOptions): Promise<RuntimeImage[]> {
  const store = await openStore(options, {});
  return (await readImages(store)).map((image) => ({
    runtime: "containers-storage",
    reference: `containers-storage:${image.names[0] ?? image.id}`,
    id: image.id,
    names: [...image.names],
    digests: [...image.digests],
    ...(image.created === undefined ? {} : { created: image.created }),
  }));
}

/** Reads each layer's original tar back from tar-split and the driver's copy of its files. */
class ContainersStorageSource implements ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  private readonly store: Store;
  private readonly chain: readonly StoredLayer[];

  constructor(description: ImageDescription, layers: readonly Layer[], store: Store, chain: readonly StoredLayer[]) {
    this.description = description;
    this.layers = layers;
    this.store = store;
    this.chain = chain;
  }

  openLayer(index: number): Promise<LayerContent> {
    const layer = this.chain[index];
    if (layer === undefined) {
      return Promise.reject(new InternalError(`layer ${index} does not exist (the image has ${this.chain.length})`));
    }
    const { root, driver } = this.store;
    const split = join(root, `${driver}-layers`, `${layer.id}.tar-split.gz`);
    const files = driver === "overlay" ? join(root, "overlay", layer.id, "diff") : join(root, "vfs", "dir", layer.id);
    return Promise.resolve({
      kind: "tar",
      stream: tarFromSplit(split, files, `layer ${layer.id} in ${this.store.label}`),
    });
  }

  async close(): Promise<void> {}
}

async function openStore(options: RuntimeOptions, where: { root?: string; driver?: string }): Promise<Store> {
  const location = await storageLocation(options, where);
  const driver = location.driver ?? (await detectDriver(location.root));
  return { root: location.root, driver, label: `containers-storage ${driver}@${location.root}` };
}

async function detectDriver(root: string): Promise<StorageDriver> {
  const drivers: StorageDriver[] = ["overlay", "vfs"];
  for (const driver of drivers) {
    if (await exists(join(root, `${driver}-images`, "images.json"))) return driver;
  }
  if (!(await exists(root))) {
    throw new SourceError(
      `no containers-storage at ${root}; give another root as containers-storage:[driver@/path]NAME`,
    );
  }
  throw new SourceError(
    `${root} holds no overlay or vfs images (no overlay-images/images.json or vfs-images/images.json)`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw new SourceError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

async function readIndex(path: string, label: string): Promise<unknown[]> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw new SourceError(`cannot read ${path} (${label}): ${errorMessage(error)}`, { cause: error });
  }
  if (text.length > maxStoreIndexBytes) throw new InputError(`${path} is over ${maxStoreIndexBytes} bytes`);
  try {
    return expectArray(JSON.parse(text.toString("utf8")), path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${path} is not valid JSON`, { cause: error });
  }
}

async function readImages(store: Store): Promise<StoredImage[]> {
  const path = join(store.root, `${store.driver}-images`, "images.json");
  return (await readIndex(path, store.label)).map((value, i) => {
    const what = `${path}[${i}]`;
    const object = expectObject(value, what);
    const id = optionalString(object, "id", what) ?? "";
    if (!idPattern.test(id)) throw new InputError(`${what}: image id "${id}" is not 64 hex digits`);
    const digest = optionalString(object, "digest", what);
    const topLayer = optionalString(object, "layer", what);
    const created = optionalString(object, "created", what);
    const names = optionalStringArray(object, "names", what) ?? [];
    const digests = [digest, ...(optionalStringArray(object, "digests", what) ?? [])].filter(
      (candidate): candidate is string => candidate !== undefined && isDigest(candidate),
    );
    return {
      id,
      names,
      digests: [...new Set([...digests, ...names.filter((name) => name.includes("@"))])],
      ...(digest !== undefined && isDigest(digest) ? { digest } : {}),
      ...(topLayer === undefined || topLayer === "" ? {} : { topLayer }),
      bigDataNames: optionalStringArray(object, "big-data-names", what) ?? [],
      ...(created === undefined ? {} : { created }),
    };
  });
}

async function readLayers(store: Store): Promise<Map<string, StoredLayer>> {
  const path = join(store.root, `${store.driver}-layers`, "layers.json");
  const layers = new Map<string, StoredLayer>();
  for (const [i, value] of (await readIndex(path, store.label)).entries()) {
    const what = `${path}[${i}]`;
    const object = expectObject(value, what);
    const id = optionalString(object, "id", what) ?? "";
    if (!idPattern.test(id)) throw new InputError(`${what}: layer id "${id}" is not 64 hex digits`);
    const parent = optionalString(object, "parent", what);
    const diffDigest = optionalString(object, "diff-digest", what);
    const diffSize = object["diff-size"];
    layers.set(id, {
      id,
      ...(parent === undefined || parent === "" ? {} : { parent }),
      ...(diffDigest === undefined || diffDigest === "" ? {} : { diffDigest }),
      ...(typeof diffSize === "number" && Number.isSafeInteger(diffSize) && diffSize >= 0 ? { diffSize } : {}),
    });
  }
  return layers;
}

/** The image's layers, base first, from its top layer down the parent links. */
function layerChain(image: StoredImage, layers: Map<string, StoredLayer>, store: Store): StoredLayer[] {
  const chain: StoredLayer[] = [];
  for (let id = image.topLayer; id !== undefined; ) {
    const layer = layers.get(id);
    if (layer === undefined)
      throw new InputError(`image ${image.id} in ${store.label} needs layer ${id}, which is not in layers.json`);
    if (chain.length >= maxLayerChain)
      throw new InputError(
        `image ${image.id} in ${store.label} has a layer chain that loops or is over ${maxLayerChain} long`,
      );
    chain.push(layer);
    id = layer.parent;
  }
  return chain.reverse();
}

/**
 * The config, by the digest the image's manifest names (the image ID is that digest for images c/image
 * stored, which is the fallback when the manifest is missing or is a list).
 */
async function readConfig(
  store: Store,
  image: StoredImage,
  maxBytes: number,
): Promise<{ config: ImageConfig; configDigest: string }> {
  let configDigest = `sha256:${image.id}`;
  if (image.bigDataNames.includes("manifest")) {
    const bytes = await readBigData(store, image, "manifest", maxBytes);
    const value = parseJson(bytes, `manifest of image ${image.id}`);
    if (documentKind(value) === "manifest") {
      configDigest = parseImageManifest(value, `manifest of image ${image.id} in ${store.label}`).config.digest;
    }
  }
  if (!image.bigDataNames.includes(configDigest)) {
    throw new InputError(`image ${image.id} in ${store.label} has no stored config ${configDigest}`);
  }
  const bytes = await readBigData(store, image, configDigest, maxBytes);
  const what = `config ${configDigest} of image ${image.id} in ${store.label}`;
  verifyDigest(bytes, configDigest, what);
  return { config: parseImageConfig(parseJson(bytes, what), what), configDigest };
}

async function readBigData(store: Store, image: StoredImage, key: string, maxBytes: number): Promise<Buffer> {
  const path = join(store.root, `${store.driver}-images`, image.id, bigDataFileName(key));
  try {
    const info = await stat(path);
    if (info.size > maxBytes)
      throw new InputError(`${path} is ${info.size} bytes, over the ${maxBytes}-byte limit for metadata`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read "${key}" of image ${image.id} in ${store.label}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Keys made only of lowercase letters, digits and dots are file names as they are; others are "=" + base64. */
export function bigDataFileName(key: string): string {
  return /^[a-z0-9.]+$/.test(key) ? key : `=${Buffer.from(key, "utf8").toString("base64")}`;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new InputError(`${what} is not valid JSON`, { cause: error });
  }
}
