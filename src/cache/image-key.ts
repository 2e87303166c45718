/**
 * The key of a whole-image cache entry. It names the image (config and manifest digests, every layer's digest
 * and diff ID), what the scan would do with it (the scan configuration, whether digests are checked), and
 * where its layer bytes are. A docker save tarball is one file whose layers may be named by nothing but the
 * config's diff IDs, so its device, inode, size, modification and change times and each layer's byte range
 * go into the key: a tarball that changed in any way gives another key, and its old entry is never used.
 *
 * A file changed within the last few seconds is "racy" (as in git's index): a second change inside the same
 * timestamp tick would keep its identity, so no entry is stored for it.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { FileRange } from "../image/file-range.ts";
import type { SourceKind } from "../model/inventory.ts";
import { DockerArchiveSource } from "../source/docker-archive-source.ts";
import type { ImageSource } from "../source/types.ts";

/**
 * Sources whose layers are blobs named by their digests (checked when a layer is first read), as the layer
 * cache already trusts them.
 */
const contentAddressed: ReadonlySet<SourceKind> = new Set(["oci-layout", "oci-archive", "registry"]);

const digestPattern = /^sha256:[a-f0-9]{64}$/;
const racyMs = 3000n;

export interface ImageCacheKey {
  key: string;
  /** The tarball changed too recently for its identity to be trusted later: look up, but do not store. */
  racy: boolean;
}

/**
 * undefined when the source cannot vouch for its bytes without reading them: daemons and root filesystems,
 * or a docker save tarball whose layers cannot be located in it.
 */
export async function imageCacheKey(
  source: ImageSource,
  scan: { configuration: string; verifyDigests: boolean },
  now: Date,
): Promise<ImageCacheKey | undefined> {
  const { description, layers } = source;
  if (layers.length === 0 || !layers.every((layer) => digestPattern.test(layer.digest) && layer.diffId !== "")) {
    return undefined;
  }
  let stored: { files: string[]; racy: boolean } | undefined;
  if (source instanceof DockerArchiveSource) {
    const ranges = await source.layerRanges();
    stored = ranges && (await fileIdentities(ranges, BigInt(now.getTime()) * 1_000_000n));
  } else if (contentAddressed.has(description.kind)) {
    stored = { files: [], racy: false };
  }
  if (stored === undefined) return undefined;
  const named = {
    kind: description.kind,
    configDigest: description.configDigest ?? "",
    manifestDigest: description.manifestDigest ?? "",
    platform: description.platform ?? null,
    layers: layers.map((layer) => [layer.digest, layer.diffId, layer.size, layer.mediaType]),
    files: stored.files,
    ...scan,
  };
  return { key: createHash("sha256").update(JSON.stringify(named)).digest("hex"), racy: stored.racy };
}

/** "<device>:<inode>:<size>:<mtime ns>:<ctime ns> <start>-<end>" for each layer. */
async function fileIdentities(
  ranges: readonly FileRange[],
  nowNs: bigint,
): Promise<{ files: string[]; racy: boolean } | undefined> {
  const identities = new Map<string, string>();
  const files: string[] = [];
  let racy = false;
  for (const range of ranges) {
    let identity = identities.get(range.path);
    if (identity === undefined) {
      const info = await stat(range.path, { bigint: true }).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      identity = [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].join(":");
      identities.set(range.path, identity);
      const changed = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
      if (nowNs - changed < racyMs * 1_000_000n) racy = true;
    }
    files.push(`${identity} ${range.start}-${range.end}`);
  }
  return { files, racy };
}
