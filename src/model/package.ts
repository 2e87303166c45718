import type { Ecosystem } from "./ecosystem.ts";
import type { LayerRef } from "./layer.ts";

export interface FileLocation {
  /** Absolute path inside the image, always starting with "/". */
  path: string;
  layer: LayerRef;
}

export interface DpkgMetadata {
  kind: "dpkg";
  source?: string;
  sourceVersion?: string;
  architecture?: string;
  maintainer?: string;
  /** Installed-Size as written: dpkg writes KiB; a value with a unit ("4KB") is converted to bytes, as Syft does. */
  installedSize?: number;
  provides: string[];
  depends: string[];
  preDepends: string[];
  /** dpkg or opkg: opkg status files carry a License field. */
  database: "dpkg" | "opkg";
}

export interface ApkMetadata {
  kind: "apk";
  origin?: string;
  architecture?: string;
  maintainer?: string;
  url?: string;
  description?: string;
  checksum?: string;
  gitCommit?: string;
  size?: number;
  installedSize?: number;
  dependencies: string[];
  provides: string[];
}

export interface NpmMetadata {
  kind: "npm";
  author?: string;
  homepage?: string;
  description?: string;
  url?: string;
  private: boolean;
}

/** Extra facts per ecosystem; a discriminated union so reports can switch on `kind`. */
export type PackageMetadata = DpkgMetadata | ApkMetadata | NpmMetadata;

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
}
