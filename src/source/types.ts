import type { RuntimeOptions } from "./runtime/options.ts";
import type { Readable } from "node:stream";
import type { ScanLimits } from "../limits.ts";
import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";

/** How a layer's content is read: a tar blob (possibly compressed) or a directory on disk. */
export type LayerContent = { kind: "tar"; stream: Readable } | { kind: "directory"; root: string };

/** Where bytes come from: manifest, config and ordered layers of one image. */
export interface ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  /** Opens the layer's content; the caller consumes or destroys the stream. */
  openLayer(index: number): Promise<LayerContent>;
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  /**
   * "os/arch[/variant]". Chooses among the images of a multi-platform index (default linux/amd64 there);
   * a source holding one image is checked against it only when it is given.
   */
  platform?: string;
  /** maxMetadataBytes caps manifests, configs and indexes; default defaultLimits. */
  limits?: Pick<ScanLimits, "maxMetadataBytes">;
  /** Where host runtimes keep images, for docker:, containerd: and containers-storage: references. */
  runtime?: RuntimeOptions;
}
