import type { Distro } from "./distro.ts";
import type { ScanIssue } from "./issue.ts";
import type { Layer } from "./layer.ts";
import type { Package } from "./package.ts";

export const inventorySchemaVersion = 1;

export type SourceKind =
  | "docker-archive"
  | "oci-layout"
  | "oci-archive"
  | "rootfs"
  | "registry"
  | "docker-daemon"
  | "containerd"
  | "containers-storage";

export interface ImageDescription {
  kind: SourceKind;
  /** What the user asked for, as given. */
  reference: string;
  manifestDigest?: string;
  configDigest?: string;
  /** Tags the source knows the image by (docker-archive RepoTags, OCI ref.name). */
  tags: string[];
  platform?: { os: string; architecture: string; variant?: string };
  created?: string;
}

/** The scan result the sensor emits and the backend receives. */
export interface Inventory {
  schemaVersion: typeof inventorySchemaVersion;
  scanner: { name: "strata"; version: string };
  scannedAt: string;
  image: ImageDescription;
  distro?: Distro;
  layers: Layer[];
  packages: Package[];
  issues: ScanIssue[];
}
