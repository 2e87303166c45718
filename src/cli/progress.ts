import type { SingleBar } from "cli-progress";
import type { Layer } from "../model/layer.ts";
import type { ScanProgress } from "../scan.ts";

/** One bar per layer on standard error, in bytes of the stored blob; nothing when stderr is not a terminal. */
export async function layerProgress(
  enabled: boolean,
): Promise<{ onProgress?: (event: ScanProgress) => void; stop: () => void }> {
  if (!enabled || !process.stderr.isTTY) return { stop: () => undefined };
  const { MultiBar, Presets } = await import("cli-progress");
  const multibar = new MultiBar(
    {
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      format: " layer {index} [{bar}] {percentage}% {value}/{total} bytes",
    },
    Presets.shades_classic,
  );
  const bars = new Map<number, SingleBar>();
  const barFor = (layer: Layer): SingleBar => {
    let bar = bars.get(layer.index);
    if (!bar) {
      bar = multibar.create(Math.max(layer.size, 1), 0, { index: layer.index });
      bars.set(layer.index, bar);
    }
    return bar;
  };
  return {
    onProgress: (event) => {
      const bar = barFor(event.layer);
      if (event.kind === "layer-bytes") bar.update(Math.min(event.bytes, event.layer.size));
      if (event.kind === "layer-done") {
        bar.update(event.layer.size);
        bar.stop();
        multibar.remove(bar);
      }
    },
    stop: () => {
      multibar.stop();
    },
  };
}
