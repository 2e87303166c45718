/**
 * Turns what the user typed into an image source: an explicit transport ("oci:dir:ref", "docker-archive:x.tar")
 * or a bare path, recognised by what it holds.
 */
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { defaultLimits } from "../limits.ts";
import { DirectoryFiles, isMissing } from "./directory-files.ts";
import { openDockerArchive } from "./docker-archive.ts";
import { openOciLayout } from "./oci-layout.ts";
import { looksLikeRegistryReference } from "./registry/reference.ts";
import type { RegistrySourceOptions } from "./registry/registry-source.ts";
import { RootfsSource } from "./rootfs.ts";
import { openRuntimeSource, runtimeFor } from "./runtime/index.ts";
import { TarFiles } from "./tar-files.ts";
import type { ImageSource } from "./types.ts";

type Transport = "docker-archive" | "oci-archive" | "oci-layout" | "rootfs";

const transports: Record<string, Transport> = {
  "docker-archive": "docker-archive",
  "oci-archive": "oci-archive",
  oci: "oci-layout",
  "oci-layout": "oci-layout",
  dir: "rootfs",
  rootfs: "rootfs",
};

/** The registry client is imported only for registry images: loading it takes longer than a cached scan. */
async function openRegistrySource(reference: string, options: RegistrySourceOptions): Promise<ImageSource> {
  return (await import("./registry/registry-source.ts")).openRegistrySource(reference, options);
}

/** Prefixes that always mean a registry; "docker:" without slashes is left for the Docker daemon. */
const registryPrefix = /^(?:registry:|oci:\/\/|docker:\/\/)/;

interface OpenContext {
  reference: string;
  platform?: string;
  maxMetadataBytes: number;
}

export async function openSource(reference: string, options: RegistrySourceOptions = {}): Promise<ImageSource> {
  if (registryPrefix.test(reference)) return openRegistrySource(reference, options);
  const context: OpenContext = {
    reference,
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    maxMetadataBytes: options.limits?.maxMetadataBytes ?? defaultLimits.maxMetadataBytes,
  };
  const prefixed = /^([a-z][a-z0-9-]*):(.*)$/s.exec(reference);
  const name = prefixed?.[1] ?? "";
  const rest = prefixed?.[2] ?? "";
  const runtime = runtimeFor(name);
  if (runtime !== undefined) {
    return openRuntimeSource(runtime, {
      reference,
      name: rest,
      maxMetadataBytes: context.maxMetadataBytes,
      ...(options.platform === undefined ? {} : { platform: options.platform }),
      options: options.runtime ?? {},
    });
  }
  const transport = Object.hasOwn(transports, name) ? transports[name] : undefined;
  if (transport !== undefined) return openWithTransport(transport, rest, context);
  return openPath(reference, context, options);
}

async function openWithTransport(transport: Transport, rest: string, context: OpenContext): Promise<ImageSource> {
  if (rest === "") throw new InputError(`"${context.reference}" names no path`);
  if (transport === "rootfs") {
    await requireKind(rest, "directory", context.reference);
    return new RootfsSource(rest, context.reference);
  }
  const { path, ref } = await splitPathAndRef(rest);
  const withRef = ref === undefined ? context : { ...context, ref };
  if (transport === "oci-layout") {
    await requireKind(path, "directory", context.reference);
    return openOciLayout(new DirectoryFiles(path), { kind: "oci-layout", ...withRef });
  }
  await requireKind(path, "file", context.reference);
  const files = await openTarFile(path);
  if (transport === "oci-archive") return openOciLayout(files, { kind: "oci-archive", ...withRef });
  return openDockerArchive(files, withRef);
}

async function openPath(path: string, context: OpenContext, options: RegistrySourceOptions): Promise<ImageSource> {
  const kind = await kindOf(path);
  if (kind === "missing") {
    if (looksLikeRegistryReference(path)) return openRegistrySource(path, options);
    throw new InputError(`"${path}" is not a file or directory, nor an image reference`);
  }
  if (kind === "directory") {
    if ((await kindOf(join(path, "oci-layout"))) === "file") {
      return openOciLayout(new DirectoryFiles(path), { kind: "oci-layout", ...context });
    }
    return new RootfsSource(path, context.reference);
  }
  if (kind !== "file") throw new InputError(`"${path}" is neither a regular file nor a directory`);
  const files = await openTarFile(path);
  // docker 25+ archives are OCI layouts too; manifest.json says more (RepoTags), so it wins.
  if (files.has("manifest.json")) return openDockerArchive(files, context);
  if (files.has("index.json")) return openOciLayout(files, { kind: "oci-archive", ...context });
  const damage = files.damage === undefined ? "" : ` (the archive is damaged or truncated: ${files.damage})`;
  throw new InputError(
    `${path} is a tar archive but neither a docker save archive (no manifest.json) nor an OCI archive (no index.json)${damage}`,
  );
}

/** "path:ref", where the path may itself hold colons: the whole text if it exists, else the shortest existing prefix. */
async function splitPathAndRef(text: string): Promise<{ path: string; ref?: string }> {
  if ((await kindOf(text)) !== "missing") return { path: text };
  for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", colon + 1)) {
    const path = text.slice(0, colon);
    if (path !== "" && (await kindOf(path)) !== "missing") return { path, ref: text.slice(colon + 1) };
  }
  return { path: text };
}

type PathKind = "file" | "directory" | "other" | "missing";

async function kindOf(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    if (info.isFile()) return "file";
    return info.isDirectory() ? "directory" : "other";
  } catch (error) {
    if (isMissing(error)) return "missing";
    throw error;
  }
}

async function requireKind(path: string, wanted: "file" | "directory", reference: string): Promise<void> {
  const kind = await kindOf(path);
  if (kind === "missing") throw new InputError(`"${path}" (from "${reference}") does not exist`);
  if (kind !== wanted)
    throw new InputError(
      `"${path}" (from "${reference}") is not a ${wanted === "file" ? "regular file" : "directory"}`,
    );
}

const compressedMagic: { name: string; magic: Buffer; tool: string }[] = [
  { name: "gzip", magic: Buffer.from([0x1f, 0x8b]), tool: "gunzip -k" },
  { name: "zstd", magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: "unzstd" },
  { name: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: "unxz -k" },
  { name: "bzip2", magic: Buffer.from("BZh"), tool: "bunzip2 -k" },
];

/** Layers are read in place at their offsets, which needs a plain tar: compressed archives are refused. */
async function openTarFile(path: string): Promise<TarFiles> {
  const head = Buffer.alloc(8);
  const handle = await open(path, "r");
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  for (const { name, magic, tool } of compressedMagic) {
    if (head.subarray(0, magic.length).equals(magic)) {
      throw new InputError(
        `${path} is ${name}-compressed; decompress it first (${tool} ${path}) and scan the .tar: layers are read in place, which needs an uncompressed archive`,
      );
    }
  }
  return TarFiles.open(path);
}
