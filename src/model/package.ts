import type { Ecosystem } from "./ecosystem.ts";
import type { LayerRef } from "./layer.ts";
import type { DpkgMetadata } from "./metadata/dpkg.ts";
import type { ApkMetadata } from "./metadata/apk.ts";
import type { NpmMetadata } from "./metadata/npm.ts";
import type { PythonMetadata } from "./metadata/python.ts";
import type { DotnetMetadata } from "./metadata/dotnet.ts";
import type { ComposerMetadata } from "./metadata/composer.ts";
import type { GemMetadata } from "./metadata/gem.ts";
import type { CargoMetadata } from "./metadata/cargo.ts";
import type { JavaMetadata } from "./metadata/java.ts";
import type { GoMetadata } from "./metadata/go.ts";
import type { RpmMetadata } from "./metadata/rpm.ts";

export type { DpkgMetadata } from "./metadata/dpkg.ts";
export type { ApkMetadata } from "./metadata/apk.ts";
export type { NpmMetadata } from "./metadata/npm.ts";
export type { PythonMetadata } from "./metadata/python.ts";
export type { DotnetMetadata } from "./metadata/dotnet.ts";
export type { ComposerMetadata } from "./metadata/composer.ts";
export type { GemMetadata } from "./metadata/gem.ts";
export type { CargoMetadata } from "./metadata/cargo.ts";
export type { JavaMetadata } from "./metadata/java.ts";
export type { GoMetadata } from "./metadata/go.ts";
export type { RpmMetadata } from "./metadata/rpm.ts";

export interface FileLocation {
  /** Absolute path inside the image, always starting with "/". */
  path: string;
  layer: LayerRef;
  /** For packages found inside an archive: the path within it, nested archives joined by "!". */
  inside?: string;
}

/** Extra facts per ecosystem; a discriminated union so reports can switch on `kind`. */
export type PackageMetadata =
  | DpkgMetadata
  | ApkMetadata
  | NpmMetadata
  | PythonMetadata
  | DotnetMetadata
  | ComposerMetadata
  | GemMetadata
  | CargoMetadata
  | JavaMetadata
  | GoMetadata
  | RpmMetadata;

export interface Package {
  /** Stable within one inventory: derived from purl, found-by and location. */
  id: string;
  name: string;
  version: string;
  ecosystem: Ecosystem;
  purl: string;
  licenses: string[];
  /** The cataloger that reported it, e.g. "dpkg-status". */
  foundBy: string;
  /** The layer that introduced this package (the start of its unbroken presence). */
  layer: LayerRef;
  /** Files the package was read from, as they stand in the final image. */
  locations: FileLocation[];
  metadata: PackageMetadata;
  /** For language packages installed by the OS package manager: the OS package whose files these are. */
  ownedBy?: { id: string; name: string; purl: string };
}
