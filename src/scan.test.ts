import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { type TestFile, sha256Digest, tarOf } from "../test/image-builder/index.ts";
import { type Cataloger, defineCataloger } from "./catalog/cataloger.ts";
import type { Layer } from "./model/layer.ts";
import { diskLayerCache } from "./cache/layer-cache.ts";
import { scanImage } from "./scan.ts";
import type { ImageSource } from "./source/types.ts";

/** "name=version" lines; licenses come from /lic/<name> context files. */
const lines: Cataloger = defineCataloger({
  name: "test-lines",
  ecosystem: "npm",
  version: 1,
  wants: { paths: ["/db"], globs: ["/**/app.db"], context: { globs: ["/lic/*"] } },
  parse: (file, ctx) => {
    const packages = [];
    const issues = [];
    for (const line of file.content.toString().split("\n").filter(Boolean)) {
      const [name, version] = line.split("=");
      if (!name || !version) {
        issues.push(`bad line: ${line}`);
        continue;
      }
      const license = ctx.view.get(`/lic/${name}`)?.content.toString().trim();
      packages.push({
        name,
        version,
        purl: `pkg:npm/${name}@${version}`,
        licenses: license ? [license] : [],
        metadata: { kind: "npm" as const, private: false, ...(ctx.distro ? { description: ctx.distro.id } : {}) },
      });
    }
    if (file.path === "/crash/app.db") throw new Error("boom");
    return { packages, issues };
  },
});

async function memorySource(layerFiles: Record<string, TestFile>[], broken: number[] = []): Promise<ImageSource> {
  const blobs = await Promise.all(layerFiles.map(async (files) => gzipSync(await tarOf(files))));
  const layers: Layer[] = blobs.map((blob, index) => ({
    index,
    digest: sha256Digest(blob),
    diffId: `sha256:${String(index).repeat(64)}`,
    size: blob.length,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    createdBy: `step ${index}`,
  }));
  return {
    description: { kind: "oci-layout", reference: "memory", tags: [] },
    layers,
    openLayer: async (index) => {
      const blob = blobs[index];
      if (!blob || broken.includes(index)) throw new Error(`layer ${index} is missing`);
      return { kind: "tar", stream: Readable.from([blob]) };
    },
    close: async () => undefined,
  };
}

const scan = async (layers: Record<string, TestFile>[], broken: number[] = []) =>
  scanImage(await memorySource(layers, broken), { catalogers: [lines], now: new Date(0) });

const summary = (inventory: Awaited<ReturnType<typeof scan>>) =>
  inventory.packages.map((pkg) => `${pkg.name}@${pkg.version}:${pkg.layer.index}`).sort();

test("a package keeps the layer that introduced it when later layers rewrite the database", async () => {
  const inventory = await scan([
    { db: "a=1\nb=1\n", "etc/os-release": "ID=debian\nVERSION_ID=12\n" },
    { db: "a=1\nb=1\nc=1\n" },
    { db: "a=1\nb=2\nc=1\n" },
  ]);
  assert.deepEqual(summary(inventory), ["a@1:0", "b@2:2", "c@1:1"]);
  const a = inventory.packages.find((pkg) => pkg.name === "a");
  assert.deepEqual(a?.locations, [{ path: "/db", layer: inventory.packages[0]?.locations[0]?.layer }]);
  assert.equal(a?.locations[0]?.layer.index, 2, "the location names the layer of the file as it stands");
  assert.equal(inventory.distro?.id, "debian");
  assert.equal(a?.metadata.kind === "npm" ? a.metadata.description : undefined, "debian");
});

test("a package removed in one layer and reinstalled later belongs to the reinstalling layer", async () => {
  const inventory = await scan([{ db: "a=1\nb=1\n" }, { db: "a=1\n" }, { db: "a=1\nb=1\n" }]);
  assert.deepEqual(summary(inventory), ["a@1:0", "b@1:2"]);
});

test("whiteouts and opaque directories remove packages of lower layers", async () => {
  const inventory = await scan([
    { "app1/app.db": "x=1\n", "app2/app.db": "y=1\n", "app3/sub/app.db": "z=1\n" },
    { "app1/.wh.app.db": "", ".wh.app2": "", "app3/.wh..wh..opq": "", "app3/new/app.db": "w=1\n" },
  ]);
  assert.deepEqual(summary(inventory), ["w@1:1"]);
});

test("a file deleted and recreated in a later layer is read again", async () => {
  const inventory = await scan([{ "opt/app.db": "x=1\n" }, { "opt/.wh.app.db": "" }, { "opt/app.db": "x=1\n" }]);
  assert.deepEqual(summary(inventory), ["x@1:2"]);
});

test("context files are read through the view and trigger a new parse when they change", async () => {
  const inventory = await scan([{ db: "a=1\n", "lic/a": "MIT" }, { "lic/a": "Apache-2.0" }]);
  assert.deepEqual(inventory.packages[0]?.licenses, ["Apache-2.0"]);
  assert.equal(inventory.packages[0]?.layer.index, 0);
});

test("files reached through a symlinked directory are found by their real path", async () => {
  const inventory = await scan([{ "srv/app.db": "s=1\n", data: { symlink: "srv" } }]);
  assert.deepEqual(summary(inventory), ["s@1:0"]);
});

test("parser problems and crashes become issues; other files are still reported", async () => {
  const inventory = await scan([{ db: "a=1\nbroken\n", "crash/app.db": "c=1\n", "ok/app.db": "o=1\n" }]);
  assert.deepEqual(summary(inventory), ["a@1:0", "o@1:0"]);
  assert.ok(inventory.issues.some((issue) => issue.path === "/db" && /bad line/.test(issue.message)));
  assert.ok(inventory.issues.some((issue) => issue.path === "/crash/app.db" && issue.severity === "error"));
});

test("a layer that cannot be opened is reported and the other layers still scan", async () => {
  const inventory = await scan([{ db: "a=1\n" }, { "x/app.db": "x=1\n" }, { "y/app.db": "y=1\n" }], [1]);
  assert.deepEqual(summary(inventory), ["a@1:0", "y@1:2"]);
  const problem = inventory.issues.find((issue) => issue.scope === "layer");
  assert.equal(problem?.layer?.index, 1);
  assert.match(problem?.message ?? "", /layer 1: layer 1 is missing/);
});

/** Reports one package per ELF executable, named after its file; eager, like binary catalogers. */
const elfNames: Cataloger = defineCataloger({
  name: "test-elf",
  ecosystem: "golang",
  version: 1,
  eager: true,
  wants: { executables: true, globs: ["/**/*.bin"] },
  parse: (file, ctx) => {
    assert.equal(ctx.view.get("/db"), undefined, "eager parsers see an empty view");
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    return {
      packages: [
        {
          name,
          version: String(file.content.length),
          purl: `pkg:golang/${name}`,
          licenses: [],
          metadata: { kind: "npm", private: false },
        },
      ],
      issues: [],
    };
  },
});

const elfBytes = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]);

test("eager catalogers get executables by mode and magic bytes, and whiteouts still remove them", async () => {
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]);
  const source = await memorySource([
    {
      "usr/bin/tool": { content: elf, mode: 0o755 },
      "usr/bin/script": { content: "#!/bin/sh\necho hi\n", mode: 0o755 },
      "usr/lib/libfoo.so": elf,
      "opt/data.bin": "not an executable, but wanted by name",
      "usr/bin/gone": { content: elf, mode: 0o755 },
    },
    { "usr/bin/.wh.gone": "" },
  ]);
  const inventory = await scanImage(source, { catalogers: [elfNames, lines], now: new Date(0) });
  assert.deepEqual(summary(inventory), ["data.bin@37:0", "tool@64:0"]);
});

test("language packages installed by dpkg are reported and marked as owned by the dpkg package", async () => {
  const stanza = (name: string) =>
    `Package: ${name}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\n`;
  const source = await memorySource([
    {
      "var/lib/dpkg/status": `${stanza("node-foo")}\n${stanza("base")}`,
      "var/lib/dpkg/info/node-foo.list":
        "/.\n/usr\n/usr/lib/node_modules/foo\n/usr/lib/node_modules/foo/package.json\n",
      "var/lib/dpkg/info/base:amd64.list": "/.\n/usr\n/usr/lib\n",
      "usr/lib/node_modules/foo/package.json": JSON.stringify({ name: "foo", version: "1.0.0" }),
      "usr/lib/node_modules/bar/package.json": JSON.stringify({ name: "bar", version: "2.0.0" }),
    },
  ]);
  const inventory = await scanImage(source, { now: new Date(0) });
  const foo = inventory.packages.find((pkg) => pkg.name === "foo");
  const bar = inventory.packages.find((pkg) => pkg.name === "bar");
  const owner = inventory.packages.find((pkg) => pkg.name === "node-foo");
  assert.ok(foo && bar && owner);
  assert.deepEqual(foo.ownedBy, { id: owner.id, name: "node-foo", purl: owner.purl });
  assert.equal(bar.ownedBy, undefined, "a listed directory (/usr/lib) does not own what others put in it");
});

test("a named file with an executable bit goes to executable catalogers only when it is a binary", async () => {
  const source = await memorySource([
    {
      db: { content: "a=1\n", mode: 0o755 },
      "usr/bin/real": { content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), mode: 0o755 },
    },
  ]);
  const inventory = await scanImage(source, { catalogers: [elfNames, lines], now: new Date(0) });
  assert.deepEqual(summary(inventory), ["a@1:0", "real@8:0"]);
  assert.deepEqual(inventory.issues, []);
});

test("with a layer cache, a rescan opens no layer and reports the same packages", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-layer-cache-"));
  try {
    const cache = diskLayerCache(dir, 1 << 30);
    const layers = [
      { db: "a=1\nb=1\n" },
      { "opt/app.db": "x=1\n", "usr/bin/tool": { content: elfBytes, mode: 0o755 } },
    ];
    const first = await scanImage(await memorySource(layers), {
      catalogers: [lines, elfNames],
      layerCache: cache,
      now: new Date(0),
    });
    const source = await memorySource(layers);
    let opened = 0;
    const counting: ImageSource = {
      ...source,
      openLayer: (index) => {
        opened += 1;
        return source.openLayer(index);
      },
    };
    const second = await scanImage(counting, { catalogers: [lines, elfNames], layerCache: cache, now: new Date(0) });
    assert.equal(opened, 0);
    assert.deepEqual(second.packages, first.packages);
    assert.deepEqual(summary(second), ["a@1:0", "b@1:0", "tool@64:1", "x@1:1"]);
    const otherCatalogers = await scanImage(counting, { catalogers: [lines], layerCache: cache, now: new Date(0) });
    assert.equal(opened, 2, "a different cataloger set does not reuse the cached walks");
    assert.deepEqual(summary(otherCatalogers), ["a@1:0", "b@1:0", "x@1:1"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
