/**
 * The whole-image cache: an unchanged docker save tarball is not read again at all; a tarball that changed
 * in any way (even with the same manifest and digests) is never answered from it; digests checked once are
 * not checked again, and results made without checking are never taken by a scan that checks.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type TestImage, writeDockerArchive, writeOciLayout } from "../../test/image-builder/index.ts";
import type { Inventory } from "../model/inventory.ts";
import { type ScanOptions, type ScanProgress, scanImage } from "../scan.ts";
import { openSource } from "../source/open.ts";
import type { ImageSource } from "../source/types.ts";
import { deserializeImageResult, serializeImageResult } from "./image-result.ts";
import { diskLayerCache } from "./layer-cache.ts";

const status = (...names: string[]) =>
  names.map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 1.0-1\n`).join("\n");

const image: TestImage = {
  repoTags: ["cache/test:1"],
  layers: [
    { files: { "etc/os-release": "ID=debian\nVERSION_ID=12\n", "var/lib/dpkg/status": status("base") } },
    { files: { "var/lib/dpkg/status": status("base", "tool") } },
    { files: { "app/node_modules/left-pad/package.json": '{"name":"left-pad","version":"1.3.0"}' } },
  ],
};

let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-image-cache-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Files written now are "racy" (see image-key.ts): scans here run a minute later than the files were written. */
const later = (): Date => new Date(Date.now() + 60_000);

interface Scanned {
  inventory: Inventory;
  /** Layers whose blobs were opened, in index order (several are read at a time). */
  read: number[];
  cached: number[];
}

async function scan(reference: string, cacheDir: string, options: ScanOptions = {}): Promise<Scanned> {
  const read: number[] = [];
  const cached: number[] = [];
  const onProgress = (event: ScanProgress): void => {
    if (event.kind === "layer-start") read.push(event.layer.index);
    if (event.kind === "layer-cached") cached.push(event.layer.index);
  };
  const source = await openSource(reference);
  try {
    const inventory = await scanImage(source, {
      layerCache: diskLayerCache(cacheDir, 1 << 30),
      now: later(),
      onProgress,
      ...options,
    });
    return { inventory, read: read.sort((a, b) => a - b), cached: cached.sort((a, b) => a - b) };
  } finally {
    await source.close();
  }
}

const names = (inventory: Inventory): string[] => inventory.packages.map((pkg) => pkg.name).sort();
const entries = async (dir: string, suffix: string): Promise<string[]> =>
  (await readdir(dir)).filter((name) => name.endsWith(suffix));

test("an unchanged tarball is answered from the image cache without opening a layer", async () => {
  const file = join(work, "same.tar");
  const cacheDir = join(work, "same-cache");
  await writeDockerArchive(image, file);
  const first = await scan(file, cacheDir);
  assert.deepEqual(first.read, [0, 1, 2]);
  assert.equal((await entries(cacheDir, ".image.gz")).length, 1);
  // Without the layer entries, only the image entry can answer.
  for (const name of await entries(cacheDir, ".layer.gz")) await rm(join(cacheDir, name));
  const second = await scan(`docker-archive:${file}`, cacheDir);
  assert.deepEqual(second.read, []);
  assert.deepEqual(second.cached, [0, 1, 2]);
  assert.deepEqual(second.inventory.packages, first.inventory.packages);
  assert.deepEqual(second.inventory.issues, first.inventory.issues);
  assert.deepEqual(second.inventory.distro, first.inventory.distro);
  assert.equal(second.inventory.image.reference, `docker-archive:${file}`, "the source is described as asked now");
});

test("a tarball that changed is never answered from the image cache, even with the same digests", async () => {
  const file = join(work, "changed.tar");
  const cacheDir = join(work, "changed-cache");
  await writeDockerArchive(image, file);
  const bytes = await readFile(file);
  await scan(file, cacheDir);

  // Same bytes, touched: a new modification time is enough to distrust the entry.
  await utimes(file, new Date(), new Date(Date.now() - 3_600_000));
  const touched = await scan(file, cacheDir);
  assert.deepEqual(touched.read, [], "the layer cache (content-addressed) still answers");
  assert.deepEqual(touched.cached, [0, 1, 2]);

  // Tampered in place: manifest and config unchanged, one byte of a package database changed.
  const tampered = Buffer.from(bytes);
  const at = tampered.indexOf("Package: tool");
  assert.ok(at > 0);
  tampered.write("Package: evil", at, "latin1");
  await writeFile(file, tampered);
  for (const name of await entries(cacheDir, ".layer.gz")) await rm(join(cacheDir, name));
  const rescanned = await scan(file, cacheDir);
  assert.deepEqual(rescanned.read, [0, 1, 2]);
  assert.deepEqual(names(rescanned.inventory), ["base", "evil", "left-pad"]);
  assert.ok(
    rescanned.inventory.issues.some((issue) => /does not match the manifest/.test(issue.message)),
    "the changed layer no longer matches its digest",
  );
});

test("a tarball written moments ago is scanned but not stored (its timestamps could hide a second change)", async () => {
  const file = join(work, "racy.tar");
  const cacheDir = join(work, "racy-cache");
  await writeDockerArchive(image, file);
  await scan(file, cacheDir, { now: new Date() });
  assert.deepEqual(await entries(cacheDir, ".image.gz"), []);
});

test("results made without checking digests never answer a scan that checks them", async () => {
  const file = join(work, "unchecked.tar");
  const cacheDir = join(work, "unchecked-cache");
  await writeDockerArchive(image, file);
  const unchecked = await scan(file, cacheDir, { verifyDigests: false });
  assert.deepEqual(unchecked.read, [0, 1, 2]);
  const checking = await scan(file, cacheDir);
  assert.deepEqual(checking.read, [0, 1, 2], "neither the image nor the layer entries are taken");
  for (const name of await entries(cacheDir, ".image.gz")) await rm(join(cacheDir, name));
  const again = await scan(file, cacheDir, { verifyDigests: false });
  assert.deepEqual(again.read, [], "a checked layer entry serves a scan that does not check");
  assert.deepEqual(names(again.inventory), names(checking.inventory));
});

test("layers read from directories, which no scan can check, serve scans that check digests", async () => {
  const root = join(work, "directory-layers");
  const cacheDir = join(work, "directory-cache");
  await mkdir(join(root, "0", "var/lib/dpkg"), { recursive: true });
  await writeFile(join(root, "0", "var/lib/dpkg/status"), status("from-a-directory"));
  const source: ImageSource = {
    description: { kind: "containers-storage", reference: "directory layers", tags: [] },
    layers: [
      { index: 0, digest: `sha256:${"1".repeat(64)}`, diffId: `sha256:${"1".repeat(64)}`, size: 1, mediaType: "" },
    ],
    openLayer: () => Promise.resolve({ kind: "directory", root: join(root, "0") }),
    close: () => Promise.resolve(),
  };
  const read: number[] = [];
  const options = {
    layerCache: diskLayerCache(cacheDir, 1 << 30),
    onProgress: (event: ScanProgress) => {
      if (event.kind === "layer-start") read.push(event.layer.index);
    },
  };
  const first = await scanImage(source, { ...options, verifyDigests: false });
  const second = await scanImage(source, options);
  assert.deepEqual(read, [0], "the second scan took the layer from the cache");
  assert.deepEqual(names(second), ["from-a-directory"]);
  assert.deepEqual(second.packages, first.packages);
});

test("a scan with errors stores no image entry", async () => {
  const file = join(work, "broken.tar");
  const cacheDir = join(work, "broken-cache");
  await writeDockerArchive(image, file);
  const bytes = await readFile(file);
  const at = bytes.indexOf("Package: tool");
  bytes.write("Package: evil", at, "latin1");
  await writeFile(file, bytes);
  const broken = await scan(file, cacheDir);
  assert.ok(broken.inventory.issues.some((issue) => issue.severity === "error"));
  assert.deepEqual(await entries(cacheDir, ".image.gz"), []);
});

test("an OCI layout is content-addressed: its image entry is keyed by digests alone", async () => {
  const dir = join(work, "layout");
  const cacheDir = join(work, "layout-cache");
  await writeOciLayout(image, dir);
  const first = await scan(`oci:${dir}`, cacheDir);
  assert.deepEqual(first.read, [0, 1, 2]);
  for (const name of await entries(cacheDir, ".layer.gz")) await rm(join(cacheDir, name));
  const second = await scan(`oci:${dir}`, cacheDir);
  assert.deepEqual(second.read, []);
  assert.deepEqual(second.inventory.packages, first.inventory.packages);
});

test("image entries round-trip, and anything else is refused", () => {
  const result = {
    distro: { id: "debian", versionId: "12", idLike: [] },
    packages: [],
    issues: [{ severity: "warning" as const, scope: "file" as const, message: "m", path: "/p" }],
  };
  assert.deepEqual(deserializeImageResult(serializeImageResult(result)), result);
  assert.throws(() => deserializeImageResult(Buffer.from('{"format":1,"packages":[{}],"issues":[]}')));
  assert.throws(() => deserializeImageResult(Buffer.from('{"format":2,"packages":[],"issues":[]}')));
  assert.throws(() => deserializeImageResult(Buffer.from("not json")));
});
