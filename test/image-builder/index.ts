/**
 * Writes container images for tests from in-memory file trees: docker-archive (docker save), OCI image
 * layout directories and OCI archives. Digests are real sha256 values, so readers can verify them.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { compress as zstdCompress } from "zstd-napi";

export type TestFile =
  | string
  | Buffer
  | { content: string | Buffer; mode: number }
  | { symlink: string }
  | { hardlink: string }
  | { dir: true };

export interface TestLayer {
  /** keys are paths without leading slash, e.g. "var/lib/dpkg/status"; whiteouts are written literally: "etc/.wh.foo", "usr/share/doc/.wh..wh..opq" (value "") */
  files: Record<string, TestFile>;
  /** history created_by */
  createdBy?: string;
  /** default gzip (docker-archive always writes uncompressed tar layers, like docker save) */
  compression?: "gzip" | "zstd" | "none";
  /** created_by of empty_layer history entries placed before this layer */
  emptyLayersBefore?: string[];
}

export interface TestImage {
  layers: TestLayer[];
  os?: string;
  architecture?: string;
  variant?: string;
  repoTags?: string[];
  created?: string;
}

/** A multi-platform image: index.json points to an image index listing one manifest per platform. */
export interface TestImageIndex {
  platforms: TestImage[];
  /** Written as org.opencontainers.image.ref.name annotations on the index.json entry. */
  repoTags?: string[];
}

/** Several images side by side in one index.json (tell them apart with repoTags). */
export interface TestImageSet {
  images: (TestImage | TestImageIndex)[];
}

export interface DockerArchiveOptions {
  /** "classic": <id>/layer.tar (docker save before 25); "oci-compatible": blobs/sha256 plus index.json (docker 25+). */
  layout?: "classic" | "oci-compatible";
  /**
   * "docker" (default) orders entries lexically like docker's own tar of its export directory, so manifest.json
   * comes after the layers; "metadata-first" puts manifest.json and the config first, then the layers in image order.
   */
  entryOrder?: "docker" | "metadata-first";
}

export interface OciLayoutOptions {
  /** Docker v2 schema 2 media types instead of OCI ones (as some tools write into OCI layouts). */
  mediaTypes?: "oci" | "docker";
}

const fixedTime = "2024-01-01T00:00:00Z";
const fixedMtime = new Date(fixedTime);

const ociMediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: {
    none: "application/vnd.oci.image.layer.v1.tar",
    gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  },
} as const;

const dockerMediaTypes = {
  index: "application/vnd.docker.distribution.manifest.list.v2+json",
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: {
    none: "application/vnd.docker.image.rootfs.diff.tar",
    gzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    zstd: "application/vnd.docker.image.rootfs.diff.tar.zstd",
  },
} as const;

type MediaTypes = typeof ociMediaTypes | typeof dockerMediaTypes;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

interface BuiltLayer {
  /** The stored blob: compressed or not. */
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
}

interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function hexOf(digest: string): string {
  return digest.slice("sha256:".length);
}

function isTestImageIndex(image: TestImage | TestImageIndex): image is TestImageIndex {
  return "platforms" in image;
}

/** One uncompressed layer tar. Parent directories are written before the entries inside them. */
export async function tarOf(files: Record<string, TestFile>): Promise<Buffer> {
  return tarOfEntries(Object.entries(files));
}

async function tarOfEntries(files: Iterable<[string, TestFile]>): Promise<Buffer> {
  const entries: { name: string; file: TestFile }[] = [];
  const written = new Set<string>();
  const addDir = (dir: string): void => {
    if (written.has(dir)) return;
    written.add(dir);
    entries.push({ name: dir, file: { dir: true } });
  };
  for (const [name, file] of files) {
    const segments = name.split("/").filter((segment) => segment !== "");
    for (let i = 1; i < segments.length; i++) addDir(segments.slice(0, i).join("/"));
    const path = segments.join("/");
    if (typeof file === "object" && "dir" in file) addDir(path);
    else entries.push({ name: path, file });
  }
  return packTar(entries);
}

async function packTar(entries: { name: string; file: TestFile }[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (chunk: unknown) => {
    if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  });
  const finished = new Promise<void>((resolve, reject) => {
    tar.on("end", resolve);
    tar.on("error", reject);
  });
  for (const { name, file } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => {
        if (error) reject(error);
        else resolve();
      };
      if (typeof file === "string" || Buffer.isBuffer(file)) {
        tar.entry({ name, type: "file", mode: 0o644, mtime: fixedMtime }, file, done);
      } else if ("content" in file) {
        tar.entry({ name, type: "file", mode: file.mode, mtime: fixedMtime }, file.content, done);
      } else if ("symlink" in file) {
        tar.entry({ name, type: "symlink", linkname: file.symlink, mode: 0o777, mtime: fixedMtime }, done);
      } else if ("hardlink" in file) {
        tar.entry({ name, type: "link", linkname: file.hardlink, mode: 0o644, mtime: fixedMtime }, done);
      } else {
        tar.entry({ name: `${name}/`, type: "directory", mode: 0o755, mtime: fixedMtime }, done);
      }
    });
  }
  tar.finalize();
  await finished;
  return Buffer.concat(chunks);
}

function compressLayer(tar: Buffer, compression: "gzip" | "zstd" | "none"): Buffer {
  if (compression === "gzip") return gzipSync(tar);
  if (compression === "zstd") return zstdCompress(tar);
  return tar;
}

async function buildImage(image: TestImage, mediaTypes: MediaTypes, uncompressed: boolean): Promise<BuiltImage> {
  const created = image.created ?? fixedTime;
  const layers: BuiltLayer[] = [];
  const history: Record<string, unknown>[] = [];
  for (const layer of image.layers) {
    const tar = await tarOf(layer.files);
    const compression = uncompressed ? "none" : (layer.compression ?? "gzip");
    const blob = compressLayer(tar, compression);
    layers.push({
      blob,
      digest: sha256Digest(blob),
      diffId: sha256Digest(tar),
      mediaType: mediaTypes.layer[compression],
    });
    for (const createdBy of layer.emptyLayersBefore ?? []) {
      history.push({ created, created_by: createdBy, empty_layer: true });
    }
    history.push(layer.createdBy === undefined ? { created } : { created, created_by: layer.createdBy });
  }
  const config = {
    created,
    architecture: image.architecture ?? "amd64",
    os: image.os ?? "linux",
    ...(image.variant === undefined ? {} : { variant: image.variant }),
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    history,
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  return { config: configBytes, configDigest: sha256Digest(configBytes), layers };
}

/** Files of a layout or archive, by path inside it; directories are implied. */
type FileMap = Map<string, Buffer | { symlink: string }>;

function addBlob(files: FileMap, data: Buffer): string {
  const digest = sha256Digest(data);
  files.set(`blobs/sha256/${hexOf(digest)}`, data);
  return digest;
}

function manifestFor(built: BuiltImage, mediaTypes: MediaTypes): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, digest: built.configDigest, size: built.config.length },
    layers: built.layers.map((layer) => ({
      mediaType: layer.mediaType,
      digest: layer.digest,
      size: layer.blob.length,
    })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

function refAnnotations(tag: string): Record<string, string> {
  return { "org.opencontainers.image.ref.name": tag };
}

/** Adds the image's blobs and returns index.json entries for it (one per tag, or one untagged). */
async function addImageToLayout(
  files: FileMap,
  image: TestImage | TestImageIndex,
  mediaTypes: MediaTypes,
): Promise<Descriptor[]> {
  let top: Descriptor;
  if (isTestImageIndex(image)) {
    const manifests: Descriptor[] = [];
    for (const platformImage of image.platforms) {
      const descriptor = await addSingleImage(files, platformImage, mediaTypes);
      const platform = {
        os: platformImage.os ?? "linux",
        architecture: platformImage.architecture ?? "amd64",
        ...(platformImage.variant === undefined ? {} : { variant: platformImage.variant }),
      };
      manifests.push({ ...descriptor, platform });
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.index, manifests }));
    top = { mediaType: mediaTypes.index, digest: addBlob(files, index), size: index.length };
  } else {
    top = await addSingleImage(files, image, mediaTypes);
  }
  const tags = image.repoTags ?? [];
  if (tags.length === 0) return [top];
  return tags.map((tag) => ({ ...top, annotations: refAnnotations(tag) }));
}

async function addSingleImage(files: FileMap, image: TestImage, mediaTypes: MediaTypes): Promise<Descriptor> {
  const built = await buildImage(image, mediaTypes, false);
  for (const layer of built.layers) files.set(`blobs/sha256/${hexOf(layer.digest)}`, layer.blob);
  addBlob(files, built.config);
  const manifest = manifestFor(built, mediaTypes);
  return { mediaType: mediaTypes.manifest, digest: addBlob(files, manifest), size: manifest.length };
}

async function ociLayoutFiles(
  image: TestImage | TestImageIndex | TestImageSet,
  options: OciLayoutOptions,
): Promise<FileMap> {
  const mediaTypes = options.mediaTypes === "docker" ? dockerMediaTypes : ociMediaTypes;
  const files: FileMap = new Map();
  const images = "images" in image ? image.images : [image];
  const manifests: Descriptor[] = [];
  for (const one of images) manifests.push(...(await addImageToLayout(files, one, mediaTypes)));
  files.set("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  files.set("index.json", Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociMediaTypes.index, manifests })));
  return files;
}

async function dockerArchiveFiles(
  image: TestImage,
  layout: "classic" | "oci-compatible",
): Promise<{ files: FileMap; configPath: string }> {
  const built = await buildImage(image, ociMediaTypes, true);
  const files: FileMap = new Map();
  const repoTags = image.repoTags ?? [];
  let manifestEntry: Record<string, unknown>;
  let configPath: string;
  let topLayerId: string;
  if (layout === "classic") {
    const layerPaths: string[] = [];
    const firstPathOfDiffId = new Map<string, string>();
    let parentId = "";
    for (const layer of built.layers) {
      // docker derives v1 layer ids from the chain; any id unique per position does here
      const id = hexOf(sha256Digest(Buffer.from(`${parentId}\n${layer.diffId}`)));
      const path = `${id}/layer.tar`;
      const earlier = firstPathOfDiffId.get(layer.diffId);
      // docker save writes a repeated layer once and links later copies to it
      files.set(path, earlier === undefined ? layer.blob : { symlink: `../${earlier}` });
      if (earlier === undefined) firstPathOfDiffId.set(layer.diffId, path);
      files.set(`${id}/VERSION`, Buffer.from("1.0"));
      files.set(`${id}/json`, Buffer.from(JSON.stringify(parentId === "" ? { id } : { id, parent: parentId })));
      layerPaths.push(path);
      parentId = id;
    }
    topLayerId = parentId;
    configPath = `${hexOf(built.configDigest)}.json`;
    files.set(configPath, built.config);
    manifestEntry = { Config: configPath, RepoTags: repoTags.length === 0 ? null : repoTags, Layers: layerPaths };
  } else {
    const layerSources: Record<string, Descriptor> = {};
    for (const layer of built.layers) {
      addBlob(files, layer.blob);
      layerSources[layer.diffId] = {
        mediaType: ociMediaTypes.layer.none,
        size: layer.blob.length,
        digest: layer.diffId,
      };
    }
    const configDigest = addBlob(files, built.config);
    const manifest = manifestFor(built, ociMediaTypes);
    const manifestDigest = addBlob(files, manifest);
    const descriptor: Descriptor = { mediaType: ociMediaTypes.manifest, digest: manifestDigest, size: manifest.length };
    const manifests =
      repoTags.length === 0
        ? [descriptor]
        : repoTags.map((tag) => ({
            ...descriptor,
            annotations: { "io.containerd.image.name": tag, ...refAnnotations(tag.slice(tag.lastIndexOf(":") + 1)) },
          }));
    files.set(
      "index.json",
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociMediaTypes.index, manifests })),
    );
    files.set("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
    topLayerId = hexOf(configDigest);
    configPath = `blobs/sha256/${hexOf(configDigest)}`;
    manifestEntry = {
      Config: configPath,
      RepoTags: repoTags.length === 0 ? null : repoTags,
      Layers: built.layers.map((layer) => `blobs/sha256/${hexOf(layer.digest)}`),
      LayerSources: layerSources,
    };
  }
  files.set("manifest.json", Buffer.from(JSON.stringify([manifestEntry])));
  if (repoTags.length > 0) files.set("repositories", Buffer.from(JSON.stringify(repositoriesOf(repoTags, topLayerId))));
  return { files, configPath };
}

function repositoriesOf(repoTags: string[], id: string): Record<string, Record<string, string>> {
  const repositories: Record<string, Record<string, string>> = {};
  for (const repoTag of repoTags) {
    const colon = repoTag.lastIndexOf(":");
    const repository = repoTag.slice(0, colon);
    repositories[repository] = { ...repositories[repository], [repoTag.slice(colon + 1)]: id };
  }
  return repositories;
}

/** Orders paths the way a recursive, lexically sorted directory walk visits them. */
function compareWalkOrder(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] ?? "";
    const y = right[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** Entries in directory-walk order, or with `first` leading and the rest in the order they were added. */
async function tarOfFileMap(files: FileMap, first?: string[]): Promise<Buffer> {
  const rest =
    first === undefined
      ? [...files.keys()].sort(compareWalkOrder)
      : [...files.keys()].filter((path) => !first.includes(path));
  const entries: [string, TestFile][] = [];
  for (const path of [...(first ?? []), ...rest]) {
    const file = files.get(path);
    if (file !== undefined) entries.push([path, file]);
  }
  return tarOfEntries(entries);
}

async function writeFileMap(files: FileMap, dir: string): Promise<void> {
  for (const [path, file] of files) {
    if (!Buffer.isBuffer(file)) throw new Error(`cannot write ${path}: layouts hold no symlinks`);
    const target = join(dir, ...path.split("/"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file);
  }
}

/** docker save layout: manifest.json (Config, RepoTags, Layers), config json, uncompressed layer tars. */
export async function writeDockerArchive(
  image: TestImage,
  file: string,
  options: DockerArchiveOptions = {},
): Promise<void> {
  const { files, configPath } = await dockerArchiveFiles(image, options.layout ?? "classic");
  const first = options.entryOrder === "metadata-first" ? ["manifest.json", configPath] : undefined;
  await writeFile(file, await tarOfFileMap(files, first));
}

/** An OCI image layout directory: oci-layout, index.json, blobs/sha256. */
export async function writeOciLayout(
  image: TestImage | TestImageIndex | TestImageSet,
  dir: string,
  options: OciLayoutOptions = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileMap(await ociLayoutFiles(image, options), dir);
}

/** A tar of an OCI image layout (what `skopeo copy ... oci-archive:` writes). */
export async function writeOciArchive(
  image: TestImage | TestImageIndex | TestImageSet,
  file: string,
  options: OciLayoutOptions = {},
): Promise<void> {
  await writeFile(file, await tarOfFileMap(await ociLayoutFiles(image, options)));
}
