import { InternalError } from "../errors.ts";
import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";
import type { LayoutFiles } from "./layout-files.ts";
import type { ImageSource, LayerContent } from "./types.ts";

/** An image whose layers are blobs stored in a layout or archive, each found by its name there. */
export class StoredImageSource implements ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  private readonly files: LayoutFiles;
  private readonly blobNames: readonly string[];

  constructor(
    description: ImageDescription,
    layers: readonly Layer[],
    files: LayoutFiles,
    blobNames: readonly string[],
  ) {
    if (layers.length !== blobNames.length) throw new InternalError("each layer needs exactly one blob name");
    this.description = description;
    this.layers = layers;
    this.files = files;
    this.blobNames = blobNames;
  }

  /** The raw blob, compressed or not; rejects with InputError when the blob is missing or cut short. */
  async openLayer(index: number): Promise<LayerContent> {
    const name = this.blobNames[index];
    if (name === undefined)
      throw new InternalError(`layer ${index} does not exist (the image has ${this.layers.length})`);
    return { kind: "tar", stream: await this.files.openStream(name) };
  }

  async close(): Promise<void> {}
}
