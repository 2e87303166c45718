/**
 * OCI image layouts (a directory or a tar of one): index.json → [image index → platform] → manifest →
 * config + layer blobs. Docker v2 manifest and manifest-list media types are accepted too.
 */
import { InputError } from "../errors.ts";
import type { ImageDescription, SourceKind } from "../model/inventory.ts";
import { blobPath, verifyDigest } from "./digest.ts";
import { type ImageConfig, layersOf, parseImageConfig } from "./image-config.ts";
import { type LayoutFiles, readJsonDocument } from "./layout-files.ts";
import {
  type Descriptor,
  documentKind,
  type ImageManifestDocument,
  isAttestation,
  isImageConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  namesOf,
  parseImageIndex,
  parseImageManifest,
} from "./oci-documents.ts";
import { type Platform, pickPlatform } from "./platform.ts";
import { StoredImageSource } from "./stored-image-source.ts";

export interface OciLayoutRequest {
  kind: Extract<SourceKind, "oci-layout" | "oci-archive">;
  /** What the user asked for, as given. */
  reference: string;
  /** An org.opencontainers.image.ref.name (or io.containerd.image.name) choosing among several images. */
  ref?: string;
  platform?: string;
  maxMetadataBytes: number;
}

/** One image manifest that could be scanned, and the index.json entry it was reached from. */
interface Candidate {
  manifest: Descriptor;
  entry: Descriptor;
  platform?: Platform;
}

interface LoadedImage {
  manifest: ImageManifestDocument;
  config: ImageConfig;
}

const maxIndexDepth = 4;

export async function openOciLayout(files: LayoutFiles, request: OciLayoutRequest): Promise<StoredImageSource> {
  const index = await readJsonDocument(files, "index.json", request.maxMetadataBytes);
  const allEntries = parseImageIndex(index.value, `index.json in ${files.label}`).manifests;
  const entries = chooseEntries(allEntries, request, files.label);
  const reader = new BlobReader(files, request.maxMetadataBytes);
  const candidates: Candidate[] = [];
  for (const entry of entries) candidates.push(...(await reader.expand(entry, entry, 0)));
  const chosen = await chooseCandidate(candidates, reader, request, files.label);
  const { manifest, config } = await reader.load(chosen.manifest);

  const what = `manifest ${chosen.manifest.digest} in ${files.label}`;
  const layers = layersOf(
    config,
    manifest.layers.map((layer) => ({ digest: layer.digest, size: layer.size, mediaType: layer.mediaType ?? "" })),
    what,
  );
  const platform = config.platform ?? chosen.platform;
  const description: ImageDescription = {
    kind: request.kind,
    reference: request.reference,
    manifestDigest: chosen.manifest.digest,
    configDigest: manifest.config.digest,
    tags: tagsOf(allEntries, chosen.entry.digest),
    ...(platform === undefined ? {} : { platform }),
    ...(config.created === undefined ? {} : { created: config.created }),
  };
  const blobNames = manifest.layers.map((layer) => blobPath(layer.digest));
  return new StoredImageSource(description, layers, files, blobNames);
}

/** The index.json entries to consider: those named by the ref, or all when they are one image. */
function chooseEntries(all: Descriptor[], request: OciLayoutRequest, label: string): Descriptor[] {
  const images = all.filter((entry) => !isAttestation(entry));
  const { ref } = request;
  if (ref !== undefined) {
    const named = images.filter((entry) => namesOf(entry).includes(ref));
    if (named.length === 0) throw new InputError(`${label} has no image named "${ref}"; ${describeNames(images)}`);
    return named;
  }
  const distinct = uniqueByDigest(images, (entry) => entry.digest);
  if (distinct.length > 1 && distinct.some((entry) => namesOf(entry).length > 0)) {
    throw new InputError(
      `${label} holds ${distinct.length} images; ${describeNames(images)}; choose one with oci:PATH:NAME`,
    );
  }
  return images;
}

function describeNames(entries: Descriptor[]): string {
  const names = [...new Set(entries.flatMap((entry) => namesOf(entry).slice(-1)))];
  return names.length === 0 ? "its images carry no ref names" : `it has: ${names.join(", ")}`;
}

function tagsOf(entries: Descriptor[], digest: string): string[] {
  const tags = entries.filter((entry) => entry.digest === digest).flatMap((entry) => namesOf(entry).slice(0, 1));
  return [...new Set(tags)];
}

async function chooseCandidate(
  candidates: Candidate[],
  reader: BlobReader,
  request: OciLayoutRequest,
  label: string,
): Promise<Candidate> {
  const distinct = uniqueByDigest(candidates, (candidate) => candidate.manifest.digest);
  const [first] = distinct;
  if (first === undefined) throw new InputError(`${label} holds no image manifests`);
  if (request.platform === undefined && distinct.length === 1) return first;
  // Plain manifests listed in index.json carry no platform; their configs have it.
  for (const candidate of distinct) {
    if (candidate.platform !== undefined) continue;
    const { platform } = (await reader.load(candidate.manifest)).config;
    if (platform !== undefined) candidate.platform = platform;
  }
  return pickPlatform(distinct, request.platform, request.reference);
}

function uniqueByDigest<T>(items: T[], digestOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const digest = digestOf(item);
    if (seen.has(digest)) return false;
    seen.add(digest);
    return true;
  });
}

/** Reads and checks index, manifest and config blobs, each at most once. */
class BlobReader {
  private readonly files: LayoutFiles;
  private readonly maxBytes: number;
  private readonly documents = new Map<string, Promise<unknown>>();
  private readonly images = new Map<string, Promise<LoadedImage>>();

  constructor(files: LayoutFiles, maxBytes: number) {
    this.files = files;
    this.maxBytes = maxBytes;
  }

  /** The image manifests a descriptor leads to, through nested image indexes. */
  async expand(descriptor: Descriptor, entry: Descriptor, depth: number): Promise<Candidate[]> {
    const kind = await this.kindOf(descriptor);
    if (kind === "manifest") {
      return [{ manifest: descriptor, entry, ...(descriptor.platform ? { platform: descriptor.platform } : {}) }];
    }
    if (kind !== "index") return [];
    if (depth >= maxIndexDepth)
      throw new InputError(`image indexes in ${this.files.label} nest deeper than ${maxIndexDepth}`);
    const what = `image index ${descriptor.digest} in ${this.files.label}`;
    const index = parseImageIndex(await this.document(descriptor, what), what);
    const candidates: Candidate[] = [];
    for (const child of index.manifests) {
      if (!isAttestation(child)) candidates.push(...(await this.expand(child, entry, depth + 1)));
    }
    return candidates;
  }

  load(descriptor: Descriptor): Promise<LoadedImage> {
    let loaded = this.images.get(descriptor.digest);
    if (loaded === undefined) {
      loaded = this.readImage(descriptor);
      this.images.set(descriptor.digest, loaded);
    }
    return loaded;
  }

  private async readImage(descriptor: Descriptor): Promise<LoadedImage> {
    const what = `manifest ${descriptor.digest} in ${this.files.label}`;
    const document = await this.document(descriptor, what);
    if (documentKind(document) !== "manifest") throw new InputError(`${what} is not an image manifest`);
    const manifest = parseImageManifest(document, what);
    const configType = manifest.config.mediaType;
    if (configType !== undefined && !isImageConfigMediaType(configType)) {
      throw new InputError(`${what} is not a container image: its config has media type ${configType}`);
    }
    const configWhat = `config ${manifest.config.digest} in ${this.files.label}`;
    const config = parseImageConfig(await this.document(manifest.config, configWhat), configWhat);
    return { manifest, config };
  }

  private async kindOf(descriptor: Descriptor): Promise<"index" | "manifest" | "unknown"> {
    if (isIndexMediaType(descriptor.mediaType)) return "index";
    if (isManifestMediaType(descriptor.mediaType)) return "manifest";
    if (descriptor.mediaType !== undefined) return "unknown";
    return documentKind(await this.document(descriptor, `blob ${descriptor.digest} in ${this.files.label}`));
  }

  private document(descriptor: Descriptor, what: string): Promise<unknown> {
    let document = this.documents.get(descriptor.digest);
    if (document === undefined) {
      document = this.readDocument(descriptor, what);
      this.documents.set(descriptor.digest, document);
    }
    return document;
  }

  private async readDocument(descriptor: Descriptor, what: string): Promise<unknown> {
    const { bytes, value } = await readJsonDocument(this.files, blobPath(descriptor.digest), this.maxBytes);
    verifyDigest(bytes, descriptor.digest, what);
    return value;
  }
}
