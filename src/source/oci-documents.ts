/** OCI image index and manifest documents (and their Docker v2 equivalents), parsed and checked. */
import { InputError } from "../errors.ts";
import { expectDigest } from "./digest.ts";
import {
  expectArray,
  expectObject,
  isJsonObject,
  type JsonObject,
  optionalObject,
  optionalString,
  optionalStringRecord,
  requiredSize,
  requiredString,
} from "./json.ts";
import type { Platform } from "./platform.ts";

export const mediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
} as const;

export const refNameAnnotation = "org.opencontainers.image.ref.name";
export const containerdNameAnnotation = "io.containerd.image.name";

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations: Record<string, string>;
}

export interface ImageIndexDocument {
  manifests: Descriptor[];
}

export interface ImageManifestDocument {
  config: Descriptor;
  layers: Descriptor[];
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociManifest || mediaType === mediaTypes.dockerManifest;
}

export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociConfig || mediaType === mediaTypes.dockerConfig;
}

export function parseDescriptor(value: unknown, what: string): Descriptor {
  const object = expectObject(value, what);
  const mediaType = optionalString(object, "mediaType", what);
  const platform = parsePlatformObject(optionalObject(object, "platform", what), `${what}.platform`);
  return {
    ...(mediaType === undefined ? {} : { mediaType }),
    digest: expectDigest(requiredString(object, "digest", what), `${what}.digest`),
    size: requiredSize(object, "size", what),
    ...(platform === undefined ? {} : { platform }),
    annotations: optionalStringRecord(object, "annotations", what) ?? {},
  };
}

function parsePlatformObject(object: JsonObject | undefined, what: string): Platform | undefined {
  if (object === undefined) return undefined;
  const os = requiredString(object, "os", what);
  const architecture = requiredString(object, "architecture", what);
  const variant = optionalString(object, "variant", what);
  return variant === undefined || variant === "" ? { os, architecture } : { os, architecture, variant };
}

/** What kind of document this is: by its mediaType field, else by its shape (the field is optional). */
export function documentKind(value: unknown): "index" | "manifest" | "unknown" {
  if (!isJsonObject(value)) return "unknown";
  const object = value;
  const mediaType = object["mediaType"];
  if (typeof mediaType === "string" && isIndexMediaType(mediaType)) return "index";
  if (typeof mediaType === "string" && isManifestMediaType(mediaType)) return "manifest";
  if (mediaType !== undefined) return "unknown";
  if (Array.isArray(object["manifests"])) return "index";
  if (Array.isArray(object["layers"])) return "manifest";
  return "unknown";
}

export function parseImageIndex(value: unknown, what: string): ImageIndexDocument {
  const object = expectObject(value, what);
  checkSchemaVersion(object, what);
  const manifests = expectArray(object["manifests"], `${what}: "manifests"`);
  return { manifests: manifests.map((entry, i) => parseDescriptor(entry, `${what} manifests[${i}]`)) };
}

export function parseImageManifest(value: unknown, what: string): ImageManifestDocument {
  const object = expectObject(value, what);
  checkSchemaVersion(object, what);
  const layers = expectArray(object["layers"], `${what}: "layers"`);
  return {
    config: parseDescriptor(object["config"], `${what} config`),
    layers: layers.map((entry, i) => parseDescriptor(entry, `${what} layers[${i}]`)),
  };
}

function checkSchemaVersion(object: JsonObject, what: string): void {
  if (object["schemaVersion"] !== 2) throw new InputError(`${what}: schemaVersion must be 2`);
}

/** Descriptors that are not images: buildx attestation manifests and the like. */
export function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations["vnd.docker.reference.type"] !== undefined ||
    (descriptor.platform?.os === "unknown" && descriptor.platform.architecture === "unknown")
  );
}

/** The names an index.json entry carries: the containerd image name, else the OCI ref name. */
export function namesOf(descriptor: Descriptor): string[] {
  return [descriptor.annotations[containerdNameAnnotation], descriptor.annotations[refNameAnnotation]].filter(
    (name): name is string => name !== undefined && name !== "",
  );
}
