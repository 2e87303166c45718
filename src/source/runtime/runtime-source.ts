import type { ImageDescription } from "../../model/inventory.ts";
import type { Layer } from "../../model/layer.ts";
import type { ImageSource, LayerContent } from "../types.ts";

/**
 * An image read through another source (a spooled `docker save` archive, a content store read as an OCI
 * layout) but described as the runtime it came from; `cleanup` runs after the inner source closes.
 */
export class RuntimeImageSource implements ImageSource {
  readonly description: ImageDescription;
  readonly layers: readonly Layer[];
  private readonly inner: ImageSource;
  private readonly cleanup: () => Promise<void>;
  private closed = false;

  constructor(inner: ImageSource, description: ImageDescription, cleanup: () => Promise<void> = async () => {}) {
    this.inner = inner;
    this.description = description;
    this.layers = inner.layers;
    this.cleanup = cleanup;
  }

  openLayer(index: number): Promise<LayerContent> {
    return this.inner.openLayer(index);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.inner.close();
    } finally {
      await this.cleanup();
    }
  }
}
