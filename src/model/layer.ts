/** One filesystem layer of an image, in the order it is applied. */
export interface Layer {
  index: number;
  /** Digest of the blob as stored (compressed, for registries and OCI layouts). */
  digest: string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** Size in bytes of the stored blob. */
  size: number;
  mediaType: string;
  created?: string;
  createdBy?: string;
  comment?: string;
}

/** How a package or file points back at the layer it came from. */
export interface LayerRef {
  index: number;
  digest: string;
  diffId: string;
}

export function layerRef(layer: Layer): LayerRef {
  return { index: layer.index, digest: layer.digest, diffId: layer.diffId };
}
