/** The image config document: platform, creation time, rootfs diff_ids and history. */
import { InputError } from "../errors.ts";
import type { Layer } from "../model/layer.ts";
import { expectDigest } from "./digest.ts";
import {
  expectObject,
  optionalArray,
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
} from "./json.ts";
import type { Platform } from "./platform.ts";

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer: boolean;
}

export interface ImageConfig {
  platform?: Platform;
  created?: string;
  diffIds: string[];
  history: HistoryEntry[];
}

export function parseImageConfig(value: unknown, what: string): ImageConfig {
  const object = expectObject(value, what);
  const rootfs = optionalObject(object, "rootfs", what);
  if (rootfs === undefined) throw new InputError(`${what}: "rootfs" is missing`);
  const diffIds = optionalStringArray(rootfs, "diff_ids", `${what} rootfs`) ?? [];
  const history = (optionalArray(object, "history", what) ?? []).map((entry, i) =>
    parseHistoryEntry(entry, `${what} history[${i}]`),
  );
  const os = optionalString(object, "os", what);
  const architecture = optionalString(object, "architecture", what);
  const variant = optionalString(object, "variant", what);
  const created = optionalString(object, "created", what);
  return {
    ...(os && architecture ? { platform: variant ? { os, architecture, variant } : { os, architecture } } : {}),
    ...(created === undefined ? {} : { created }),
    diffIds: diffIds.map((diffId, i) => expectDigest(diffId, `${what} rootfs.diff_ids[${i}]`)),
    history,
  };
}

function parseHistoryEntry(value: unknown, what: string): HistoryEntry {
  const object = expectObject(value, what);
  const created = optionalString(object, "created", what);
  const createdBy = optionalString(object, "created_by", what);
  const comment = optionalString(object, "comment", what);
  return {
    ...(created === undefined ? {} : { created }),
    ...(createdBy === undefined ? {} : { createdBy }),
    ...(comment === undefined ? {} : { comment }),
    emptyLayer: optionalBoolean(object, "empty_layer", what) ?? false,
  };
}

/** The stored form of one layer, as the manifest describes it. */
export interface LayerBlob {
  digest: string;
  size: number;
  mediaType: string;
}

/**
 * Joins manifest layers with config diff_ids and history. History entries marked empty_layer made no
 * layer, so the others are matched to layers in order.
 */
export function layersOf(config: ImageConfig, blobs: readonly LayerBlob[], what: string): Layer[] {
  if (blobs.length !== config.diffIds.length) {
    throw new InputError(`${what} lists ${blobs.length} layers but its config has ${config.diffIds.length} diff_ids`);
  }
  const history = config.history.filter((entry) => !entry.emptyLayer);
  return blobs.map((blob, index) => {
    const entry = history[index];
    return {
      index,
      digest: blob.digest,
      diffId: config.diffIds[index] ?? "",
      size: blob.size,
      mediaType: blob.mediaType,
      ...(entry?.created === undefined ? {} : { created: entry.created }),
      ...(entry?.createdBy === undefined ? {} : { createdBy: entry.createdBy }),
      ...(entry?.comment === undefined ? {} : { comment: entry.comment }),
    };
  });
}
