import type { ImageDescription } from "../model/inventory.ts";
import type { Layer, LayerRef } from "../model/layer.ts";

/** The image's digest as a registry knows it: the manifest's, else the config's (the image id). */
export function imageDigest(image: ImageDescription): string | undefined {
  return image.manifestDigest ?? image.configDigest;
}

/** The name to show for the image: its first tag, else what the user asked for. */
export function imageName(image: ImageDescription): string {
  return image.tags[0] ?? image.reference;
}

export function platformText(image: ImageDescription): string | undefined {
  const { platform } = image;
  if (!platform) return undefined;
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined).join("/");
}

/** "layer 2 (sha256:…; RUN apt-get install …)": enough to find the layer in `docker history`. */
export function layerText(ref: LayerRef, layers: readonly Layer[]): string {
  const createdBy = layers.find((layer) => layer.index === ref.index)?.createdBy;
  const command = createdBy === undefined ? "" : `; ${shorten(createdBy.replace(/\s+/g, " ").trim(), 100)}`;
  return `layer ${ref.index} (${ref.diffId}${command})`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
