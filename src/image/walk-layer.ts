/**
 * A layer's content walked the cheapest way that yields the same changes: a directory from disk, an
 * uncompressed tar in place in its file (see walk-tar-file.ts), anything else as a stream.
 */
import type { Readable } from "node:stream";
import type { LayerContent } from "../source/types.ts";
import { type FileRange, fileRangeOf, isPlainTar } from "./file-range.ts";
import type { LayerProblem } from "./layer-changes.ts";
import { walkDirectory } from "./walk-directory.ts";
import { walkTarLayer } from "./walk-tar.ts";
import { type TarFileWalk, type TarFileWalkOptions, walkTarFile } from "./walk-tar-file.ts";

export type LayerWalk = TarFileWalk;
export type LayerWalkOptions<T> = TarFileWalkOptions<T>;

const noProblem: Promise<LayerProblem | undefined> = Promise.resolve(undefined);

export async function walkLayerContent<T>(content: LayerContent, options: LayerWalkOptions<T>): Promise<LayerWalk> {
  if (content.kind === "directory") {
    const { matcher, maxFileBytes, maxLayerKeptBytes, onFile } = options;
    const changes = await walkDirectory(content.root, {
      matcher,
      maxFileBytes,
      ...(maxLayerKeptBytes === undefined ? {} : { maxLayerKeptBytes }),
      ...(onFile ? { onFile } : {}),
    });
    return { changes, verdict: noProblem };
  }
  const range = await plainTarRange(content.stream);
  if (range) {
    content.stream.destroy();
    return walkTarFile(range, options);
  }
  const { digester: _digester, executableSections: _sections, ...streaming } = options;
  return { changes: await walkTarLayer(content.stream, streaming), verdict: noProblem };
}

/** Where an uncompressed layer lies in a file on this machine, so it can be walked in place. */
async function plainTarRange(stream: Readable): Promise<FileRange | undefined> {
  const range = await fileRangeOf(stream).catch(() => undefined);
  return range && (await isPlainTar(range).catch(() => false)) ? range : undefined;
}
