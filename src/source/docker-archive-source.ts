import { type FileRange, fileRangeOf } from "../image/file-range.ts";
import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";
import type { LayoutFiles } from "./layout-files.ts";
import { StoredImageSource } from "./stored-image-source.ts";

/** A `docker save` image: its layers are blobs in one tarball, which can say where each one lies in it. */
export class DockerArchiveSource extends StoredImageSource {
  private readonly archive: LayoutFiles;
  private readonly layerBlobs: readonly string[];

  constructor(
    description: ImageDescription,
    layers: readonly Layer[],
    files: LayoutFiles,
    blobNames: readonly string[],
  ) {
    super(description, layers, files, blobNames);
    this.archive = files;
    this.layerBlobs = blobNames;
  }

  /**
   * The file and byte range holding each layer, without reading any of it; undefined when a layer is missing,
   * cut short or not a plain byte range of a file.
   */
  async layerRanges(): Promise<FileRange[] | undefined> {
    const ranges: FileRange[] = [];
    for (const name of this.layerBlobs) {
      const stream = await this.archive.openStream(name).catch(() => undefined);
      if (!stream) return undefined;
      const range = await fileRangeOf(stream).catch(() => undefined);
      stream.destroy();
      if (!range) return undefined;
      ranges.push(range);
    }
    return ranges;
  }
}
