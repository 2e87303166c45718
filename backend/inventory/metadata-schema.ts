import { z } from "zod";
import type { PackageMetadata } from "../../src/model/package.ts";

/** Zod schemas for src/model/metadata/*.ts, one per `kind`; the type annotation keeps them in step with the model. */

const text = z.string();
const optionalText = z.string().exactOptional();
const optionalNumber = z.number().exactOptional();
const list = z.array(z.string());
const relationship = z.enum(["direct", "indirect"]).exactOptional();

const dpkg = z.object({
  kind: z.literal("dpkg"),
  source: optionalText,
  sourceVersion: optionalText,
  architecture: optionalText,
  maintainer: optionalText,
  installedSize: optionalNumber,
  provides: list,
  depends: list,
  preDepends: list,
  database: z.enum(["dpkg", "opkg"]),
});

const apk = z.object({
  kind: z.literal("apk"),
  origin: optionalText,
  architecture: optionalText,
  maintainer: optionalText,
  url: optionalText,
  description: optionalText,
  checksum: optionalText,
  gitCommit: optionalText,
  size: optionalNumber,
  installedSize: optionalNumber,
  dependencies: list,
  provides: list,
});

const npm = z.object({
  kind: z.literal("npm"),
  author: optionalText,
  homepage: optionalText,
  description: optionalText,
  url: optionalText,
  private: z.boolean(),
  resolved: optionalText,
  integrity: optionalText,
  checksum: optionalText,
  dev: z.boolean().exactOptional(),
  optional: z.boolean().exactOptional(),
  peer: z.boolean().exactOptional(),
});

const python = z.object({
  kind: z.literal("python"),
  name: text,
  format: z.enum(["dist-info", "egg-info", "egg", "wheel"]),
  metadataVersion: optionalText,
  summary: optionalText,
  author: optionalText,
  authorEmail: optionalText,
  homePage: optionalText,
  platform: optionalText,
  requiresPython: optionalText,
  requiresDist: list,
  providesExtra: list,
  licenseFiles: list,
  topLevelPackages: list,
  directUrl: z
    .object({
      url: text,
      vcs: optionalText,
      commitId: optionalText,
      requestedRevision: optionalText,
      editable: z.boolean().exactOptional(),
      archiveHash: optionalText,
    })
    .exactOptional(),
  installer: optionalText,
});

const dotnet = z.object({
  kind: z.literal("dotnet"),
  source: z.enum(["deps.json", "packages.lock.json", "packages.config"]),
  relationship,
  project: z.object({ name: text, version: text }).exactOptional(),
  libraryType: z.enum(["package", "runtimepack"]).exactOptional(),
  sha512: optionalText,
  path: optionalText,
  targetFrameworks: list,
  requested: optionalText,
  dependencies: list,
});

const composer = z.object({
  kind: z.literal("composer"),
  dev: z.boolean(),
  relationship,
  type: optionalText,
  description: optionalText,
  homepage: optionalText,
  sourceUrl: optionalText,
  sourceReference: optionalText,
  distUrl: optionalText,
  distShasum: optionalText,
});

const gem = z.object({
  kind: z.literal("gem"),
  authors: list.exactOptional(),
  homepage: optionalText,
  summary: optionalText,
  files: list.exactOptional(),
  platform: optionalText,
});

const cargo = z.object({
  kind: z.literal("cargo"),
  source: optionalText,
  checksum: optionalText,
  dependencies: list,
  root: z.boolean().exactOptional(),
});

const java = z.object({
  kind: z.literal("java"),
  evidence: z.enum(["pom.properties", "manifest", "filename"]),
  groupId: optionalText,
  artifactId: text,
  archive: optionalText,
});

const go = z.object({
  kind: z.literal("go"),
  role: z.enum(["stdlib", "main", "dependency"]).exactOptional(),
  goVersion: optionalText,
  goos: optionalText,
  goarch: optionalText,
  experiments: list.exactOptional(),
  mainPackage: optionalText,
  mainModule: optionalText,
  h1Digest: optionalText,
  replaces: z.object({ path: text, version: text }).exactOptional(),
  replacedByDirectory: optionalText,
  versionSource: z.enum(["module", "ldflags"]).exactOptional(),
  buildSettings: z.array(z.object({ key: text, value: text })).exactOptional(),
});

const rpm = z.object({
  kind: z.literal("rpm"),
  version: text,
  release: text,
  epoch: optionalNumber,
  arch: optionalText,
  sourceRpm: optionalText,
  vendor: optionalText,
  size: optionalNumber,
  modularityLabel: optionalText,
  sigmd5: optionalText,
  provides: list,
  requires: list,
  database: z.enum(["bdb", "ndb", "sqlite"]),
});

const metadataUnion = z.discriminatedUnion("kind", [
  dpkg,
  apk,
  npm,
  python,
  dotnet,
  composer,
  gem,
  cargo,
  java,
  go,
  rpm,
]);

export const packageMetadataSchema: z.ZodType<PackageMetadata> = metadataUnion;

/** True when every value of `Model` passes `Schema`, so that the schema is never stricter than the model. */
export type Accepts<Schema extends z.ZodType, Model> = [Model] extends [z.input<Schema>] ? true : false;
type Holds<T extends true> = T;
export type MetadataSchemaAcceptsModel = Holds<Accepts<typeof metadataUnion, PackageMetadata>>;
