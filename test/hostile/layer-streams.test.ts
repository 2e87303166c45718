/**
 * Hostile layer blobs and image documents: decompression bombs, zstd frames that need huge windows,
 * entries declaring 10 GB, truncated and non-tar layers, digests that lie and configs that do not
 * match their manifests. Every case runs the real pipeline or the CLI and checks that the damage is
 * reported, the rest of the image still is, and memory stays bounded.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import {
  block,
  dpkgStatus,
  gzipLayers,
  gzipZeroEntry,
  issueText,
  packageNames,
  type RawImage,
  rawTar,
  runStrata,
  scanRaw,
  sha256,
  withPeakRss,
  writeRawOciLayout,
} from "./hostile-image.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const maxGrowthMiB = 300;
const limit = { timeout: 180_000 };
let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-hostile-streams-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const base = rawTar([
  { name: "etc/os-release", body: "ID=debian\nVERSION_ID=12\n" },
  { name: "var/lib/dpkg/status", body: dpkgStatus("base-files") },
]);
const app = rawTar([{ name: "app/node_modules/left-pad/package.json", body: '{"name":"left-pad","version":"1.3.0"}' }]);

/** A layer whose blob is given as is, with a diff ID that need not be computed from it. */
function opaqueLayer(blob: Buffer, mediaType = "application/vnd.oci.image.layer.v1.tar+gzip") {
  return { blob, diffId: sha256(Buffer.from("not checked")), mediaType };
}

/** A zstd frame of raw blocks whose header declares a window of 2^windowLog bytes. */
function zstdFrame(data: Buffer, windowLog: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])];
  const blockBytes = 100_000;
  for (let at = 0; ; at += blockBytes) {
    const chunk = data.subarray(at, at + blockBytes);
    const last = at + blockBytes >= data.length ? 1 : 0;
    const header = (chunk.length << 3) | last;
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), chunk);
    if (last === 1) return Buffer.concat(parts);
  }
}

// First in the file: the process high-water mark is only meaningful before another test raised it.
test("a wanted file just under its cap is held once, not twice", limit, async () => {
  const size = 256 * MiB;
  const layer = Buffer.concat([
    ...gzipZeroEntry({ name: "app/lib/zeros.jar" }, size),
    gzipSync(rawTar([{ name: "app/node_modules/after/package.json", body: '{"name":"after","version":"2.0.0"}' }])),
  ]);
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers: [opaqueLayer(layer)] }));
  assert.deepEqual(packageNames(inventory), ["after"]);
  assert.match(issueText(inventory.issues), /zeros\.jar .*not a zip archive/);
  assert.ok(
    peakMiB < size / MiB + 64,
    `resident memory grew by ${Math.round(peakMiB)} MiB for a ${size / MiB} MiB file`,
  );
});

test("a gzip bomb layer is streamed, not buffered: 2 GiB of zeros, wanted-file caps hold", limit, async () => {
  const bomb = Buffer.concat([
    ...gzipZeroEntry({ name: "opt/zeros.bin" }, GiB),
    ...gzipZeroEntry({ name: "app/lib/huge.jar" }, GiB),
    gzipSync(rawTar([{ name: "usr/lib/apk/db/installed", body: "P:after-the-bomb\nV:1\n\n" }])),
  ]);
  assert.ok(bomb.length < 4 * MiB, `the bomb is ${bomb.length} bytes`);
  const image: RawImage = { layers: [...gzipLayers(base), opaqueLayer(bomb), ...gzipLayers(app)] };
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw(image));
  assert.deepEqual(packageNames(inventory), ["after-the-bomb", "base-files", "left-pad"]);
  const skipped = inventory.issues.find((issue) => issue.path === "/app/lib/huge.jar");
  assert.match(skipped?.message ?? "", /over the 536870912-byte limit/, issueText(inventory.issues));
  assert.ok(
    inventory.issues.every((issue) => issue.severity === "warning"),
    issueText(inventory.issues),
  );
  assert.ok(peakMiB < maxGrowthMiB, `resident memory grew by ${Math.round(peakMiB)} MiB`);
});

test(
  "a zstd frame that needs a window over 128 MiB is refused with an issue; a 128 MiB one is read",
  limit,
  async () => {
    const wanted = rawTar([{ name: "lib/apk/db/installed", body: "P:from-zstd\nV:1\n\n" }]);
    const inventory = await scanRaw({
      layers: [
        ...gzipLayers(base),
        { ...opaqueLayer(zstdFrame(wanted, 31), "application/vnd.oci.image.layer.v1.tar+zstd"), tar: wanted },
        { ...opaqueLayer(zstdFrame(wanted, 27), "application/vnd.oci.image.layer.v1.tar+zstd"), tar: wanted },
        ...gzipLayers(app),
      ],
    });
    assert.deepEqual(packageNames(inventory), ["base-files", "from-zstd", "left-pad"]);
    assert.equal(inventory.packages.find((pkg) => pkg.name === "from-zstd")?.layer.index, 2);
    const refused = inventory.issues.filter((issue) => issue.severity === "error");
    assert.equal(refused.length, 1, issueText(inventory.issues));
    assert.equal(refused[0]?.layer?.index, 1);
    assert.match(refused[0]?.message ?? "", /layer 1: .*zstd window is larger than 128 MiB/);
  },
);

test(
  "an entry declaring 10 GB with a small body is a truncated layer; a GNU sparse one is never expanded",
  limit,
  async () => {
    const tenGB = 10 * 10 ** 9;
    const octal = (value: number): Buffer => Buffer.from(`${value.toString(8).padStart(11, "0")}\0`, "latin1");
    const stored = Buffer.from(dpkgStatus("sparse-package"));
    // GNU sparse ('S'): the map at 386 says the data is the file's last bytes; the real size at 483 is 10 GB.
    const sparse = rawTar([
      {
        name: "var/lib/dpkg/status",
        type: "S",
        body: stored,
        tail: [
          { offset: 386, bytes: Buffer.concat([octal(tenGB - stored.length), octal(stored.length)]) },
          { offset: 483, bytes: octal(tenGB) },
        ],
      },
    ]);
    const lying = rawTar([
      { name: "lib/apk/db/installed", body: "P:before-the-lie\nV:1\n\n" },
      { name: "opt/huge.bin", size: tenGB, body: "only a few bytes" },
    ]);
    const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers: gzipLayers(sparse, lying, app) }));
    assert.deepEqual(packageNames(inventory), ["before-the-lie", "left-pad", "sparse-package"]);
    const errors = inventory.issues.filter((issue) => issue.severity === "error");
    assert.equal(errors.length, 1, issueText(inventory.issues));
    assert.match(errors[0]?.message ?? "", /^layer 1: .*truncated/);
    assert.ok(peakMiB < maxGrowthMiB, `resident memory grew by ${Math.round(peakMiB)} MiB`);
  },
);

test("layers cut inside a header or inside file data keep what came before; other layers are read", limit, async () => {
  const layer = rawTar([
    { name: "var/lib/dpkg/status", body: dpkgStatus("before-the-cut") },
    // Incompressible, so half of the gzip stream ends inside it.
    { name: "opt/data.bin", body: randomBytes(64 * 1024) },
    { name: "lib/apk/db/installed", body: "P:after-the-cut\nV:1\n\n" },
  ]);
  const statusEnd = block + block;
  const cuts = [statusEnd + 300, statusEnd + block + 1000];
  const gz = gzipSync(layer);
  const inventory = await scanRaw({
    layers: [
      ...gzipLayers(...cuts.map((cut) => layer.subarray(0, cut))),
      { blob: gz.subarray(0, Math.floor(gz.length / 2)), diffId: sha256(layer) },
      ...gzipLayers(app),
    ],
  });
  assert.deepEqual(packageNames(inventory), ["before-the-cut", "left-pad"], issueText(inventory.issues));
  const errors = inventory.issues.filter((issue) => issue.severity === "error");
  assert.deepEqual(
    errors.map((issue) => issue.layer?.index),
    [0, 1, 2],
  );
  for (const error of errors) assert.match(error.message, /could not be read to the end.*truncated/);
});

test("a layer that is not a tar at all is reported; the other layers are read", limit, async () => {
  const notTar = Buffer.from("this layer is a text file, not a tar archive\n".repeat(50));
  const inventory = await scanRaw({
    layers: [...gzipLayers(base), opaqueLayer(gzipSync(notTar)), opaqueLayer(notTar), ...gzipLayers(app)],
  });
  assert.deepEqual(packageNames(inventory), ["base-files", "left-pad"]);
  const errors = inventory.issues.filter((issue) => issue.severity === "error");
  assert.deepEqual(
    errors.map((issue) => issue.layer?.index),
    [1, 2],
  );
  for (const error of errors) assert.match(error.message, /corrupt \(Invalid tar header/);
});

test(
  "CLI: a manifest or config that does not match its digest, or diff_ids that do not match the layers, exit 2",
  limit,
  async () => {
    const cases: { name: string; image: RawImage; message: RegExp }[] = [
      {
        name: "manifest",
        image: { layers: gzipLayers(base), lieAboutManifestDigest: true },
        message: /manifest .*does not match its digest/,
      },
      {
        name: "config",
        image: { layers: gzipLayers(base), lieAboutConfigDigest: true },
        message: /config .*does not match its digest/,
      },
      {
        name: "diff-ids",
        image: { layers: gzipLayers(base, app), diffIds: [sha256(base)] },
        message: /lists 2 layers but its config has 1 diff_ids/,
      },
    ];
    for (const { name, image, message } of cases) {
      const dir = join(work, name);
      await writeRawOciLayout(image, dir);
      const run = await runStrata("scan", `oci:${dir}`, "--no-vulns", "--no-cache");
      assert.equal(run.code, 2, `${name}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /^strata: /);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    }
  },
);

test(
  "CLI: a layer blob that does not match its digest is reported and exits 3; the packages are still listed",
  limit,
  async () => {
    const dir = join(work, "layer-digest");
    const [good, tampered] = gzipLayers(base, app);
    assert.ok(good && tampered);
    await writeRawOciLayout({ layers: [good, { ...tampered, digest: sha256(Buffer.from("another blob")) }] }, dir);
    const run = await runStrata("scan", `oci:${dir}`, "--no-vulns", "--no-cache", "--format", "json");
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /layer 1: layer content digest sha256:[0-9a-f]{64} does not match the manifest's/);
    const inventory: unknown = JSON.parse(run.stdout);
    assert.ok(typeof inventory === "object" && inventory !== null && "packages" in inventory);
    assert.ok(Array.isArray(inventory.packages) && inventory.packages.length === 2);
  },
);

test(
  "a docker save archive whose manifest names layers outside it, link loops or directories reports each layer",
  limit,
  async () => {
    const layer = rawTar([{ name: "var/lib/dpkg/status", body: dpkgStatus("in-the-good-layer") }]);
    const names = ["../../../../etc/passwd", "/loop/a/layer.tar", "self/layer.tar", "dir", "good/layer.tar"];
    const config = Buffer.from(
      JSON.stringify({
        os: "linux",
        architecture: "amd64",
        rootfs: { type: "layers", diff_ids: names.map(() => sha256(layer)) },
      }),
    );
    const configName = `${sha256(config).slice("sha256:".length)}.json`;
    const archive = join(work, "docker-save.tar");
    await writeFile(
      archive,
      rawTar([
        { name: "manifest.json", body: JSON.stringify([{ Config: configName, RepoTags: null, Layers: names }]) },
        { name: configName, body: config },
        { name: "loop/a/layer.tar", type: "2", linkname: "../b/layer.tar" },
        { name: "loop/b/layer.tar", type: "2", linkname: "../a/layer.tar" },
        { name: "self/layer.tar", type: "1", linkname: "self/layer.tar" },
        { name: "dir/", type: "5" },
        { name: "good/layer.tar", body: layer },
      ]),
    );
    const source = await openSource(`docker-archive:${archive}`);
    const inventory = await scanImage(source);
    await source.close();
    assert.deepEqual(packageNames(inventory), ["in-the-good-layer"]);
    assert.equal(inventory.packages[0]?.layer.index, 4);
    const messages = inventory.issues.map((issue) => `${issue.layer?.index ?? "?"} ${issue.message}`);
    assert.equal(messages.length, 4, messages.join("\n"));
    assert.match(messages[0] ?? "", /^0 layer 0: "etc\/passwd" is missing from archive/);
    assert.match(messages[1] ?? "", /^1 layer 1: "loop\/a\/layer\.tar" .*is a chain of more than 16 links/);
    assert.match(messages[2] ?? "", /^2 layer 2: "self\/layer\.tar" .*is a chain of more than 16 links/);
    assert.match(messages[3] ?? "", /^3 layer 3: "dir" .*is not a regular file/);
  },
);
