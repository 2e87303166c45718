/**
 * Images in containerd, read straight from its root: the image name → target descriptor from the metadata
 * database, then the content store's blobs as an OCI layout whose index.json lists that one target. No gRPC,
 * so no daemon is needed, but the caller must be able to read containerd's root (usually root only).
 */
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { InputError, SourceError } from "../../errors.ts";
import { blobPath } from "../digest.ts";
import { DirectoryFiles, isMissing } from "../directory-files.ts";
import type { FileLookup, LayoutFiles } from "../layout-files.ts";
import { containerdNameAnnotation } from "../oci-documents.ts";
import { openOciLayout } from "../oci-layout.ts";
import type { ImageSource } from "../types.ts";
import { type ContainerdImage, contentPath, metadataPath, readContainerdImages } from "./containerd-metadata.ts";
import { describeStore, findNamedImage, type NamedImage } from "./image-names.ts";
import {
  containerdPreferredNamespaces,
  defaultContainerdRoot,
  fromEnvironment,
  type RuntimeOptions,
} from "./options.ts";
import { RuntimeImageSource } from "./runtime-source.ts";
import type { RuntimeImage, RuntimeRequest, RuntimeSourceKind } from "./types.ts";

const indexName = "index.json";

interface Candidate extends NamedImage {
  record: ContainerdImage;
}

export async function openContainerd(request: RuntimeRequest): Promise<ImageSource> {
  const root = containerdRoot(request.options);
  const records = await readRecords(root);
  const namespace = request.options.containerdNamespace ?? fromEnvironment(request.options, "CONTAINERD_NAMESPACE");
  const record = chooseRecord(records, request.name, namespace);
  const files = new ContentStoreFiles(join(root, contentPath), record);
  const inner = await openOciLayout(files, {
    kind: "oci-layout",
    reference: request.reference,
    maxMetadataBytes: request.maxMetadataBytes,
    ...(request.platform === undefined ? {} : { platform: request.platform }),
  });
  for (const layer of inner.layers) {
    const found = await files.lookup(blobPath(layer.digest));
    if (!found.found) {
      throw new InputError(
        `layer ${layer.index} (${layer.digest}) of ${record.name} is not in containerd's content store ${files.label}: ` +
          `containerd keeps only the platforms it pulled, and drops layer blobs after unpacking when discard_unpacked_layers is set; ` +
          `fetch them with "ctr -n ${record.namespace} content fetch ${record.name}"`,
      );
    }
  }
  const tags = records
    .filter((other) => other.namespace === record.namespace && other.target.digest === record.target.digest)
    .map((other) => other.name)
    .filter(isTagName);
  return new RuntimeImageSource(inner, {
    ...inner.description,
    kind: "containerd" satisfies RuntimeSourceKind,
    reference: request.reference,
    tags: tags.length > 0 ? tags : [record.name],
  });
}

export async function listContainerdImages(options: RuntimeOptions): Promise<RuntimeImage[]> {
  const records = await readRecords(containerdRoot(options));
  const namespace = options.containerdNamespace ?? fromEnvironment(options, "CONTAINERD_NAMESPACE");
  const groups = new Map<string, ContainerdImage[]>();
  for (const record of records) {
    if (namespace !== undefined && record.namespace !== namespace) continue;
    const key = `${record.namespace}\0${record.target.digest}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.values()].flatMap((group): RuntimeImage[] => {
    const [first] = group;
    if (first === undefined) return [];
    const names = group.map((record) => record.name).filter(isTagName);
    const digests = group.map((record) => record.name).filter((name) => name.includes("@"));
    const created = group.map((record) => record.created).find((value) => value !== undefined);
    return [
      {
        runtime: "containerd",
        reference: `containerd:${names[0] ?? digests[0] ?? first.name}`,
        id: first.target.digest,
        names,
        digests,
        namespace: first.namespace,
        ...(created === undefined ? {} : { created }),
        size: first.target.size,
      },
    ];
  });
}

function containerdRoot(options: RuntimeOptions): string {
  return options.containerdRoot ?? defaultContainerdRoot;
}

async function readRecords(root: string): Promise<ContainerdImage[]> {
  const database = join(root, metadataPath);
  try {
    await access(database, constants.R_OK);
  } catch (error) {
    if (isMissing(error)) {
      throw new SourceError(
        `no containerd metadata database at ${database}: is ${root} containerd's root? pass --containerd-root`,
        { cause: error },
      );
    }
    throw new SourceError(`cannot read containerd's metadata database ${database}: run as root`, { cause: error });
  }
  return readContainerdImages(root);
}

/**
 * The record the name means. With a namespace, only that one is searched. Without, k8s.io comes first (the
 * CRI plugin's namespace, so what Kubernetes runs), then default (ctr and nerdctl), then the one other
 * namespace that has it (docker's "moby", buildkit's).
 */
function chooseRecord(records: ContainerdImage[], name: string, namespace: string | undefined): ContainerdImage {
  const byNamespace = new Map<string, Candidate[]>();
  for (const record of records) {
    const candidate: Candidate = {
      record,
      id: record.target.digest,
      names: [record.name],
      digests: record.name.includes("@") ? [record.name, record.name.slice(record.name.indexOf("@") + 1)] : [],
    };
    byNamespace.set(record.namespace, [...(byNamespace.get(record.namespace) ?? []), candidate]);
  }
  const find = (space: string): Candidate | undefined =>
    findNamedImage(byNamespace.get(space) ?? [], name, `containerd namespace ${space}`);

  if (namespace !== undefined) {
    const found = find(namespace);
    if (found) return found.record;
    const elsewhere = [...byNamespace.keys()].filter((space) => space !== namespace && find(space) !== undefined);
    const hint =
      elsewhere.length > 0
        ? `it is in namespace ${elsewhere.join(", ")}: pass --namespace ${elsewhere[0] ?? ""}`
        : describeStore(byNamespace.get(namespace) ?? []);
    throw new InputError(`containerd namespace ${namespace} has no image "${name}"; ${hint}`);
  }
  for (const space of containerdPreferredNamespaces) {
    const found = find(space);
    if (found) return found.record;
  }
  const others = [...byNamespace.keys()].filter(
    (space) => !(containerdPreferredNamespaces as readonly string[]).includes(space),
  );
  const found = others.flatMap((space) => {
    const candidate = find(space);
    return candidate ? [candidate] : [];
  });
  const [only, ...more] = found;
  if (only !== undefined && more.length === 0) return only.record;
  if (only !== undefined) {
    const spaces = found.map((candidate) => candidate.record.namespace);
    throw new InputError(
      `"${name}" is in several containerd namespaces (${spaces.join(", ")}); choose one with --namespace`,
    );
  }
  const spaces = [...byNamespace.keys()];
  throw new InputError(
    `containerd has no image "${name}" in ${spaces.length > 0 ? `namespaces ${spaces.join(", ")}` : "any namespace"}; ` +
      describeStore([...byNamespace.values()].flat()),
  );
}

/** "repo:tag" names, not the "sha256:…" and "repo@sha256:…" entries the CRI plugin adds. */
function isTagName(name: string): boolean {
  return !name.includes("@") && !/^sha(256|512):/.test(name);
}

/** The content store's blobs/, plus an index.json that lists the one image chosen. */
class ContentStoreFiles implements LayoutFiles {
  readonly label: string;
  private readonly blobs: DirectoryFiles;
  private readonly index: Buffer;

  constructor(dir: string, record: ContainerdImage) {
    this.label = `containerd content store ${dir}`;
    this.blobs = new DirectoryFiles(dir);
    const entry = {
      ...(record.target.mediaType === "" ? {} : { mediaType: record.target.mediaType }),
      digest: record.target.digest,
      size: record.target.size,
      annotations: { [containerdNameAnnotation]: record.name },
    };
    this.index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  }

  lookup(name: string): Promise<FileLookup> {
    if (name === indexName) return Promise.resolve({ found: true, size: this.index.length });
    return this.blobs.lookup(name);
  }

  openStream(name: string): Promise<Readable> {
    if (name === indexName) return Promise.resolve(Readable.from([this.index]));
    return this.blobs.openStream(name);
  }

  readBytes(name: string, size: number): Promise<Buffer> {
    if (name === indexName) return Promise.resolve(this.index.subarray(0, size));
    return this.blobs.readBytes(name, size);
  }
}
