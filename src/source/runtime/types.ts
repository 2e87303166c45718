import type { RuntimeOptions } from "./options.ts";

/** The host runtimes Strata reads images from. CRI-O and Podman keep theirs in containers-storage. */
export type RuntimeName = "docker" | "containerd" | "containers-storage";

/** What a runtime image is described as; these join SourceKind in src/model/inventory.ts. */
export type RuntimeSourceKind = "docker-daemon" | "containerd" | "containers-storage";

export interface RuntimeRequest {
  /** What the user asked for, as given. */
  reference: string;
  /** The image part of the reference, after the transport. */
  name: string;
  platform?: string;
  maxMetadataBytes: number;
  options: RuntimeOptions;
}

/** One image a runtime holds, as `strata images` lists it. */
export interface RuntimeImage {
  runtime: RuntimeName;
  /** A reference `strata scan` accepts for this image. */
  reference: string;
  /** The runtime's image ID: the config digest for Docker and containers-storage, the target digest for containerd. */
  id: string;
  /** Tags, "registry/repository:tag". */
  names: string[];
  /** Manifest digests the runtime knows the image by, "repository@sha256:…" or "sha256:…". */
  digests: string[];
  /** containerd only. */
  namespace?: string;
  created?: string;
  size?: number;
}
