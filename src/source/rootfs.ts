import { resolve } from "node:path";
import { InternalError } from "../errors.ts";
import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";
import type { ImageSource, LayerContent } from "./types.ts";

export const rootfsMediaType = "application/vnd.strata.rootfs";

/**
 * An unpacked root filesystem, scanned as one pseudo-layer. Its digest and diffId are "" on purpose: a
 * directory has no content digest, and anything keyed by diffId (such as a layer cache) must not reuse results
 * for it. Its size is 0 because the tree is not measured up front.
 */
export class RootfsSource implements ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  private readonly root: string;

  constructor(root: string, reference: string) {
    this.root = resolve(root);
    this.description = { kind: "rootfs", reference, tags: [] };
    this.layers = [{ index: 0, digest: "", diffId: "", size: 0, mediaType: rootfsMediaType }];
  }

  openLayer(index: number): Promise<LayerContent> {
    if (index !== 0)
      return Promise.reject(new InternalError(`layer ${index} does not exist (a root filesystem has one)`));
    return Promise.resolve({ kind: "directory", root: this.root });
  }

  async close(): Promise<void> {}
}
