/**
 * A whole image's scan result (what the layers yielded, not what the source describes), as stored by the
 * image cache, and read back with type guards.
 */
import { InputError } from "../errors.ts";
import { ecosystemNames } from "../model/ecosystem.ts";
import type { Distro } from "../model/distro.ts";
import type { ScanIssue } from "../model/issue.ts";
import type { LayerRef } from "../model/layer.ts";
import type { Package, PackageMetadata } from "../model/package.ts";

export interface ImageResult {
  distro?: Distro;
  packages: Package[];
  issues: ScanIssue[];
}

const formatVersion = 1;

export function serializeImageResult(result: ImageResult): Buffer {
  return Buffer.from(JSON.stringify({ format: formatVersion, ...result }));
}

/** Reads what serializeImageResult wrote; throws on anything else (the cache then treats it as a miss). */
export function deserializeImageResult(bytes: Buffer): ImageResult {
  const stored: unknown = JSON.parse(bytes.toString("utf8"));
  if (!isRecord(stored) || stored["format"] !== formatVersion) throw new InputError("not an image cache entry");
  const { distro, packages, issues } = stored;
  if (distro !== undefined && !isDistro(distro)) throw new InputError("bad distro in an image cache entry");
  if (!Array.isArray(packages) || !packages.every(isPackage))
    throw new InputError("bad packages in an image cache entry");
  if (!Array.isArray(issues) || !issues.every(isIssue)) throw new InputError("bad issues in an image cache entry");
  return { ...(distro === undefined ? {} : { distro }), packages, issues };
}

/** Every metadata kind; this fails to compile when the model gains one. */
const metadataKinds: Record<PackageMetadata["kind"], true> = {
  dpkg: true,
  apk: true,
  rpm: true,
  python: true,
  npm: true,
  dotnet: true,
  java: true,
  go: true,
  composer: true,
  gem: true,
  cargo: true,
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isString = (value: unknown): value is string => typeof value === "string";
const isOptionalString = (value: unknown): value is string | undefined => value === undefined || isString(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

function isLayerRef(value: unknown): value is LayerRef {
  return isRecord(value) && Number.isInteger(value["index"]) && isString(value["digest"]) && isString(value["diffId"]);
}

function isDistro(value: unknown): value is Distro {
  return (
    isRecord(value) &&
    isString(value["id"]) &&
    isStringArray(value["idLike"]) &&
    isOptionalString(value["versionId"]) &&
    isOptionalString(value["versionCodename"]) &&
    isOptionalString(value["prettyName"])
  );
}

/**
 * Checks a package down to its metadata's kind. The ecosystem-specific metadata fields are taken as stored:
 * entries are written only by serializeImageResult, and gzip's checksum catches damage on disk.
 */
function isPackage(value: unknown): value is Package {
  if (!isRecord(value)) return false;
  const { metadata, ownedBy, locations, ecosystem } = value;
  return (
    ["id", "name", "version", "purl", "foundBy"].every((key) => isString(value[key])) &&
    ecosystemNames.some((name) => name === ecosystem) &&
    isStringArray(value["licenses"]) &&
    isLayerRef(value["layer"]) &&
    Array.isArray(locations) &&
    locations.every(
      (location: unknown) =>
        isRecord(location) &&
        isString(location["path"]) &&
        isLayerRef(location["layer"]) &&
        isOptionalString(location["inside"]),
    ) &&
    isRecord(metadata) &&
    isString(metadata["kind"]) &&
    Object.hasOwn(metadataKinds, metadata["kind"]) &&
    (ownedBy === undefined ||
      (isRecord(ownedBy) && isString(ownedBy["id"]) && isString(ownedBy["name"]) && isString(ownedBy["purl"])))
  );
}

function isIssue(value: unknown): value is ScanIssue {
  return (
    isRecord(value) &&
    (value["severity"] === "warning" || value["severity"] === "error") &&
    (value["scope"] === "image" || value["scope"] === "layer" || value["scope"] === "file") &&
    isString(value["message"]) &&
    isOptionalString(value["path"]) &&
    (value["layer"] === undefined || isLayerRef(value["layer"])) &&
    isOptionalString(value["cataloger"])
  );
}
