/**
 * Builders for hostile images: tar headers written byte by byte (so names, sizes and type flags can
 * be anything), OCI layouts from raw layer blobs (so digests and diff_ids can lie), and a memory
 * probe for the streaming cases.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Inventory } from "../../src/model/inventory.ts";
import type { ScanIssue } from "../../src/model/issue.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";

export const block = 512;

export interface RawEntry {
  name: string;
  /** The type flag character: "0" file, "1" hard link, "2" symlink, "5" directory, "S" GNU sparse... */
  type?: string;
  body?: Buffer | string;
  /** The size written in the header; defaults to the body's length (a larger one makes a truncated entry). */
  size?: number;
  linkname?: string;
  mode?: number;
  /** Bytes 345..500 of a ustar header (GNU: atime, ctime, sparse map, realsize at 483). */
  tail?: { offset: number; bytes: Buffer }[];
  /** The old GNU magic ("ustar  ") instead of POSIX ustar's. */
  gnu?: boolean;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** One 512-byte ustar header with a valid checksum; sizes past 8 GiB use GNU base-256. */
export function tarHeader(entry: RawEntry, bodyLength: number): Buffer {
  const header = Buffer.alloc(block);
  const name = Buffer.from(entry.name);
  if (name.length > 100) throw new Error(`name too long for a plain header: ${entry.name}`);
  name.copy(header, 0);
  header.write(octal(entry.mode ?? 0o644, 8), 100, "latin1");
  header.write(octal(0, 8), 108, "latin1");
  header.write(octal(0, 8), 116, "latin1");
  const size = entry.size ?? bodyLength;
  if (size < 8 ** 11) header.write(octal(size, 12), 124, "latin1");
  else {
    header[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--) {
      header[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  header.write(octal(1_700_000_000, 12), 136, "latin1");
  header.write(entry.type ?? "0", 156, "latin1");
  if (entry.linkname !== undefined) Buffer.from(entry.linkname).copy(header, 157, 0, 100);
  header.write(entry.gnu === true ? "ustar  \0" : "ustar\u000000", 257, "latin1");
  for (const { offset, bytes } of entry.tail ?? []) bytes.copy(header, offset);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return header;
}

/** A tar of the entries, each body padded to the block size, with the two-block end marker unless `end` is false. */
export function rawTar(entries: readonly RawEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = typeof entry.body === "string" ? Buffer.from(entry.body) : (entry.body ?? Buffer.alloc(0));
    parts.push(tarHeader(entry, body.length), body);
    const pad = (block - (body.length % block)) % block;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  if (options.end !== false) parts.push(Buffer.alloc(2 * block));
  return Buffer.concat(parts);
}

/** A pax extended header entry ("x") whose records apply to the entry after it; pairs may repeat a key. */
export function paxEntry(records: Record<string, string> | readonly [string, string][]): RawEntry {
  let body = "";
  for (const [key, value] of Array.isArray(records) ? records : Object.entries(records)) {
    const record = ` ${key}=${value}\n`;
    let length = record.length + 1;
    while (String(length).length + record.length !== length) length++;
    body += `${length}${record}`;
  }
  return { name: "PaxHeader", type: "x", body };
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export interface RawLayer {
  /** The blob as stored (compressed or not). */
  blob: Buffer;
  /** Defaults to the digest of `tar` when given, else of the blob. */
  diffId?: string;
  /** The uncompressed tar, for the diff ID. */
  tar?: Buffer;
  mediaType?: string;
  /** The digest the manifest names; the blob is stored under it (a mismatch when it is not the blob's). */
  digest?: string;
  createdBy?: string;
}

export interface RawImage {
  layers: RawLayer[];
  /** Replaces the config's diff_ids (a count that differs from the layers, say). */
  diffIds?: string[];
  /** Config bytes stored under a digest that is not theirs. */
  lieAboutConfigDigest?: boolean;
  /** Manifest bytes stored under a digest that is not theirs. */
  lieAboutManifestDigest?: boolean;
}

/** An OCI image layout directory from raw blobs; every digest is real unless the image says to lie. */
export async function writeRawOciLayout(image: RawImage, dir: string): Promise<void> {
  const blobs = join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const put = async (digest: string, data: Buffer): Promise<void> => {
    await writeFile(join(blobs, digest.slice("sha256:".length)), data);
  };
  const layers = [];
  for (const layer of image.layers) {
    const digest = layer.digest ?? sha256(layer.blob);
    await put(digest, layer.blob);
    layers.push({
      mediaType: layer.mediaType ?? "application/vnd.oci.image.layer.v1.tar+gzip",
      digest,
      size: layer.blob.length,
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: {
        type: "layers",
        diff_ids: image.diffIds ?? image.layers.map((layer) => layer.diffId ?? sha256(layer.tar ?? layer.blob)),
      },
      history: image.layers.map((layer) => ({ created_by: layer.createdBy ?? "hostile" })),
    }),
  );
  const configDigest = image.lieAboutConfigDigest === true ? sha256(Buffer.from("another config")) : sha256(config);
  await put(configDigest, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers,
    }),
  );
  const manifestDigest =
    image.lieAboutManifestDigest === true ? sha256(Buffer.from("another manifest")) : sha256(manifest);
  await put(manifestDigest, manifest);
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: manifestDigest, size: manifest.length },
      ],
    }),
  );
}

const zeroChunk = 64 * 1024 * 1024;
let zeroMember: Buffer | undefined;

/**
 * A gzip stream (concatenated members, which gunzip reads as one) of a tar entry holding `size`
 * zero bytes: a few KiB per 64 MiB, built without ever holding the inflated bytes.
 */
export function gzipZeroEntry(entry: RawEntry, size: number): Buffer[] {
  zeroMember ??= gzipSync(Buffer.alloc(zeroChunk), { level: 9 });
  const members: Buffer[] = [gzipSync(tarHeader(entry, size))];
  for (let left = size; left > 0; left -= zeroChunk) {
    members.push(left >= zeroChunk ? zeroMember : gzipSync(Buffer.alloc(left)));
  }
  const pad = (block - (size % block)) % block;
  if (pad > 0) members.push(gzipSync(Buffer.alloc(pad)));
  return members;
}

/** Scans an OCI layout of the raw image through the real pipeline (openSource + scanImage). */
export async function scanRaw(image: RawImage): Promise<Inventory> {
  const dir = await mkdtemp(join(tmpdir(), "strata-hostile-"));
  try {
    await writeRawOciLayout(image, dir);
    const source = await openSource(`oci:${dir}`);
    try {
      return await scanImage(source);
    } finally {
      await source.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Gzip layers from plain tars, with their real diff IDs. */
export function gzipLayers(...tars: Buffer[]): RawLayer[] {
  return tars.map((tar) => ({ blob: gzipSync(tar), tar }));
}

/** A dpkg status database listing these packages (version 1.0). */
export function dpkgStatus(...names: string[]): string {
  return names.map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 1.0\n`).join("\n");
}

export function packageNames(inventory: Inventory): string[] {
  return inventory.packages.map((pkg) => pkg.name).sort();
}

export function issueText(issues: readonly ScanIssue[]): string {
  return issues.map((issue) => `${issue.severity} ${issue.path ?? ""} ${issue.message}`).join("\n");
}

const MiB = 1024 * 1024;

/**
 * Runs `work` and returns its result with the peak growth of the resident set over the RSS before it,
 * in MiB: sampled every few milliseconds while it runs (streaming work yields often), and read from
 * the process's high-water mark afterwards (synchronous work does not).
 */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  const baseline = process.memoryUsage().rss;
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    const maxAfter = process.resourceUsage().maxRSS * 1024;
    if (maxAfter > maxBefore) peak = Math.max(peak, maxAfter);
    return { result, peakMiB: (peak - baseline) / MiB };
  } finally {
    clearInterval(timer);
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  millis: number;
}

const repo = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `strata <args>` through the real CLI entry point, in a child process killed after two minutes:
 * a regression that loops forever fails the test instead of hanging the suite.
 */
export function runStrata(...args: string[]): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args],
      { cwd: repo, maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr, millis: Date.now() - started });
      },
    );
  });
}

/** Old GNU sparse extension blocks of (offset, length) pairs, 21 to a block, each but the last flagged. */
export function gnuSparseBlocks(pairs: readonly [number, number][]): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < pairs.length; at += 21) {
    const extension = Buffer.alloc(block);
    pairs.slice(at, at + 21).forEach(([offset, length], i) => {
      extension.write(octal(offset, 12), i * 24, "latin1");
      extension.write(octal(length, 12), i * 24 + 12, "latin1");
    });
    extension[504] = at + 21 < pairs.length ? 1 : 0;
    blocks.push(extension);
  }
  return Buffer.concat(blocks);
}

/**
 * An old GNU sparse file ('S'): the first 4 segments in the header, the rest in extension blocks, the
 * data the segments' bytes back to back.
 */
export function gnuSparseEntry(
  name: string,
  realSize: number,
  segments: readonly [number, number][],
  data: Buffer,
): RawEntry {
  const head = Buffer.alloc(4 * 24);
  segments.slice(0, 4).forEach(([offset, length], i) => {
    head.write(octal(offset, 12), i * 24, "latin1");
    head.write(octal(length, 12), i * 24 + 12, "latin1");
  });
  const rest = segments.slice(4);
  return {
    name,
    type: "S",
    gnu: true,
    size: data.length,
    body: Buffer.concat([rest.length > 0 ? gnuSparseBlocks(rest) : Buffer.alloc(0), data]),
    tail: [
      { offset: 386, bytes: head },
      { offset: 482, bytes: Buffer.from([rest.length > 0 ? 1 : 0]) },
      { offset: 483, bytes: Buffer.from(octal(realSize, 12), "latin1") },
    ],
  };
}
