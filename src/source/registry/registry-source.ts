/**
 * An image read straight from a registry: manifest or index (→ platform) → manifest → config, then each
 * layer blob streamed as the scan asks for it. The scan checks each blob against its digest as it streams.
 */
import { InputError, InternalError } from "../../errors.ts";
import { defaultLimits } from "../../limits.ts";
import type { ImageDescription } from "../../model/inventory.ts";
import type { Layer } from "../../model/layer.ts";
import { type ImageConfig, layersOf, parseImageConfig } from "../image-config.ts";
import {
  type Descriptor,
  documentKind,
  type ImageManifestDocument,
  isAttestation,
  isImageConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  parseImageIndex,
  parseImageManifest,
} from "../oci-documents.ts";
import { checkSingleImagePlatform } from "../platform-check.ts";
import { type Platform, pickPlatform } from "../platform.ts";
import type { ImageSource, LayerContent, OpenSourceOptions } from "../types.ts";
import { type FetchedManifest, RegistryClient, type RegistryClientOptions } from "./client.ts";
import { formatReference, parseRegistryReference, type RegistryReference } from "./reference.ts";

export type RegistrySourceOptions = OpenSourceOptions & Omit<RegistryClientOptions, "maxMetadataBytes">;

/** What a registry image is described as; "registry" joins SourceKind in src/model/inventory.ts. */
export type RegistrySourceKind = "registry";

interface LoadedImage {
  digest: string;
  manifest: ImageManifestDocument;
  config: ImageConfig;
}

interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
}

const maxIndexDepth = 4;

/** Opens `registry/repository[:tag][@digest]` (Docker Hub when no registry is named). */
export async function openRegistrySource(reference: string, options: RegistrySourceOptions = {}): Promise<ImageSource> {
  const parsed = parseRegistryReference(reference);
  const { platform, limits, ...clientOptions } = options;
  const client = await RegistryClient.connect(parsed.registry, {
    ...clientOptions,
    maxMetadataBytes: limits?.maxMetadataBytes ?? defaultLimits.maxMetadataBytes,
  });
  try {
    const loader = new ImageLoader(client, parsed.repository);
    const top = await client.getManifest(parsed.repository, parsed.digest ?? parsed.tag ?? "latest");
    const image = await chooseImage(loader, top, reference, platform);
    const what = `manifest ${image.digest} of ${formatReference(parsed)}`;
    const layers = layersOf(
      image.config,
      image.manifest.layers.map((layer) => ({
        digest: layer.digest,
        size: layer.size,
        mediaType: layer.mediaType ?? "",
      })),
      what,
    );
    const description = describe(reference, parsed, image);
    return new RegistryImageSource(description, layers, client, parsed.repository);
  } catch (error) {
    await client.close();
    throw error;
  }
}

function describe(reference: string, parsed: RegistryReference, image: LoadedImage): ImageDescription {
  const { config } = image;
  const { registry, repository, tag } = parsed;
  const tags = tag === undefined ? [] : [formatReference({ registry, repository, tag })];
  return {
    kind: "registry" satisfies RegistrySourceKind,
    reference,
    manifestDigest: image.digest,
    configDigest: image.manifest.config.digest,
    tags,
    ...(config.platform === undefined ? {} : { platform: config.platform }),
    ...(config.created === undefined ? {} : { created: config.created }),
  };
}

async function chooseImage(
  loader: ImageLoader,
  top: FetchedManifest,
  reference: string,
  platform: string | undefined,
): Promise<LoadedImage> {
  const kind = kindOf(top);
  if (kind === "manifest") {
    const image = await loader.load(top);
    checkSingleImagePlatform(platform, image.config.platform, reference);
    return image;
  }
  if (kind !== "index") {
    throw new InputError(
      `${reference} is neither an image manifest nor an image index (media type ${top.mediaType ?? "unknown"}); Docker schema 1 manifests are not supported`,
    );
  }
  const candidates = await loader.expand(top, 0);
  const [first] = candidates;
  if (first === undefined) throw new InputError(`the image index of ${reference} lists no images`);
  if (platform === undefined && candidates.length === 1) return loader.loadDescriptor(first.descriptor);
  for (const candidate of candidates) {
    if (candidate.platform === undefined) {
      const { platform: found } = (await loader.loadDescriptor(candidate.descriptor)).config;
      if (found !== undefined) candidate.platform = found;
    }
  }
  const chosen = pickPlatform(candidates, platform, reference);
  return loader.loadDescriptor(chosen.descriptor);
}

function kindOf(fetched: FetchedManifest): "index" | "manifest" | "unknown" {
  const kind = documentKind(fetched.value);
  if (kind !== "unknown") return kind;
  if (isIndexMediaType(fetched.mediaType)) return "index";
  return isManifestMediaType(fetched.mediaType) ? "manifest" : "unknown";
}

/** Fetches manifests and configs of one repository, each at most once. */
class ImageLoader {
  private readonly client: RegistryClient;
  private readonly repository: string;
  private readonly images = new Map<string, Promise<LoadedImage>>();

  constructor(client: RegistryClient, repository: string) {
    this.client = client;
    this.repository = repository;
  }

  /** The image manifests an index leads to, through nested indexes; attestations left out. */
  async expand(index: FetchedManifest, depth: number): Promise<Candidate[]> {
    const what = `image index ${index.digest} of ${this.client.registry}/${this.repository}`;
    const candidates: Candidate[] = [];
    for (const child of parseImageIndex(index.value, what).manifests) {
      if (isAttestation(child)) continue;
      if (isIndexMediaType(child.mediaType)) {
        if (depth + 1 >= maxIndexDepth)
          throw new InputError(`${what}: image indexes nest deeper than ${maxIndexDepth}`);
        candidates.push(...(await this.expand(await this.fetch(child), depth + 1)));
      } else if (child.mediaType === undefined || isManifestMediaType(child.mediaType)) {
        candidates.push({ descriptor: child, ...(child.platform === undefined ? {} : { platform: child.platform }) });
      }
    }
    const seen = new Set<string>();
    return candidates.filter(
      (candidate) => !seen.has(candidate.descriptor.digest) && seen.add(candidate.descriptor.digest),
    );
  }

  loadDescriptor(descriptor: Descriptor): Promise<LoadedImage> {
    let loaded = this.images.get(descriptor.digest);
    if (loaded === undefined) {
      loaded = this.fetch(descriptor).then((fetched) => this.load(fetched));
      this.images.set(descriptor.digest, loaded);
    }
    return loaded;
  }

  async load(fetched: FetchedManifest): Promise<LoadedImage> {
    const what = `manifest ${fetched.digest} of ${this.client.registry}/${this.repository}`;
    if (kindOf(fetched) !== "manifest") throw new InputError(`${what} is not an image manifest`);
    const manifest = parseImageManifest(fetched.value, what);
    const configType = manifest.config.mediaType;
    if (configType !== undefined && !isImageConfigMediaType(configType)) {
      throw new InputError(`${what} is not a container image: its config has media type ${configType}`);
    }
    const configWhat = `config ${manifest.config.digest} of ${this.client.registry}/${this.repository}`;
    const bytes = await this.client.getBlobBytes(this.repository, manifest.config.digest);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new InputError(`${configWhat} is not valid JSON`, { cause: error });
    }
    return { digest: fetched.digest, manifest, config: parseImageConfig(value, configWhat) };
  }

  private async fetch(descriptor: Descriptor): Promise<FetchedManifest> {
    const fetched = await this.client.getManifest(this.repository, descriptor.digest);
    if (fetched.bytes.length !== descriptor.size) {
      throw new InputError(
        `manifest ${descriptor.digest} of ${this.client.registry}/${this.repository} is ${fetched.bytes.length} bytes, but its index says ${descriptor.size}`,
      );
    }
    return fetched;
  }
}

/** Layers are fetched when the scan opens them; the registry connection closes with the source. */
class RegistryImageSource implements ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  private readonly client: RegistryClient;
  private readonly repository: string;

  constructor(description: ImageDescription, layers: readonly Layer[], client: RegistryClient, repository: string) {
    this.description = description;
    this.layers = layers;
    this.client = client;
    this.repository = repository;
  }

  /** The raw blob as the registry sends it; rejects with SourceError when it cannot be fetched. */
  async openLayer(index: number): Promise<LayerContent> {
    const layer = this.layers[index];
    if (layer === undefined)
      throw new InternalError(`layer ${index} does not exist (the image has ${this.layers.length})`);
    return { kind: "tar", stream: await this.client.openBlob(this.repository, layer.digest, layer.size) };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
