/**
 * A layer's content walked the cheapest way that yields the same changes: a directory from disk, an
 * uncompressed tar in place in its file (see walk-tar-file.ts), anything else as a stream.
 */
import type { LayerContent } from "../source/types.ts";
import { fileRangeOf, isPlainTar } from "./file-range.ts";
import type { LayerProblem } from "./layer-changes.ts";
import { walkDirectory } from "./walk-directory.ts";
import { walkTarLayer } from "./walk-tar.ts";
import { type TarFileWalk, type TarFileWalkOptions, verdictOf, walkTarFile } from "./walk-tar-file.ts";

export type LayerWalk = TarFileWalk;
export type LayerWalkOptions<T> = TarFileWalkOptions<T>;

const noProblem: Promise<LayerProblem | undefined> = Promise.resolve(undefined);
const minWorkerHashedBytes = 32 * 1024 * 1024;

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
  const range = await fileRangeOf(content.stream).catch(() => undefined);
  if (range && (await isPlainTar(range).catch(() => false))) {
    content.stream.destroy();
    return walkTarFile(range, options);
  }
  const { digester, executableSections: _sections, ...streaming } = options;
  const expected = streaming.expectedDigest?.startsWith("sha256:") ? streaming.expectedDigest : undefined;
  if (range && digester && expected && range.end - range.start >= minWorkerHashedBytes) {
    // A large compressed blob in a file is hashed from the file on the digest worker, off the thread that
    // parses it; a small one is not worth the worker's start and memory.
    const digest = digester.sha256(range);
    digest.catch(() => undefined);
    const { expectedDigest: _expected, ...unchecked } = streaming;
    const changes = await walkTarLayer(content.stream, unchecked);
    return { changes, verdict: verdictOf(digest, expected, changes.complete) };
  }
  return { changes: await walkTarLayer(content.stream, streaming), verdict: noProblem };
}
