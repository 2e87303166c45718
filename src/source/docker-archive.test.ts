import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, test } from "node:test";
import { type TestImage, tarOf, writeDockerArchive } from "../../test/image-builder/index.ts";
import { InputError } from "../errors.ts";
import { openSource } from "./open.ts";
import { indexTar } from "./tar-index.ts";
import type { ImageSource } from "./types.ts";

const scratch = await mkdtemp(join(tmpdir(), "docker-archive-"));
after(() => rm(scratch, { recursive: true, force: true }));

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function layerBytes(source: ImageSource, index: number): Promise<Buffer> {
  const content = await source.openLayer(index);
  assert.equal(content.kind, "tar");
  return readAll(content.stream);
}

const image: TestImage = {
  repoTags: ["example/app:1.0", "example/app:latest"],
  architecture: "arm64",
  variant: "v8",
  created: "2024-05-06T07:08:09Z",
  layers: [
    { files: { "etc/os-release": "ID=debian\n" }, createdBy: "ADD rootfs.tar /" },
    {
      files: { "var/lib/dpkg/status": "Package: a\n".repeat(500) },
      createdBy: "RUN apt-get install a",
      emptyLayersBefore: ["ENV DEBIAN_FRONTEND=noninteractive", "WORKDIR /app"],
    },
    { files: { "app/main": "binary" }, createdBy: "COPY main /app/" },
  ],
};

for (const layout of ["classic", "oci-compatible"] as const) {
  test(`docker-archive (${layout}): description, layers and their blobs`, async () => {
    const file = join(scratch, `${layout}.tar`);
    await writeDockerArchive(image, file, { layout });
    const source = await openSource(file, { platform: "linux/arm64" });
    const { description, layers } = source;
    assert.equal(description.kind, "docker-archive");
    assert.equal(description.reference, file);
    assert.equal(description.manifestDigest, undefined);
    assert.deepEqual(description.tags, ["example/app:1.0", "example/app:latest"]);
    assert.deepEqual(description.platform, { os: "linux", architecture: "arm64", variant: "v8" });
    assert.equal(description.created, "2024-05-06T07:08:09Z");
    assert.match(description.configDigest ?? "", /^sha256:[a-f0-9]{64}$/);

    assert.deepEqual(
      layers.map((layer) => layer.createdBy),
      ["ADD rootfs.tar /", "RUN apt-get install a", "COPY main /app/"],
    );
    assert.deepEqual(
      layers.map((layer) => layer.index),
      [0, 1, 2],
    );
    for (const layer of layers) {
      const bytes = await layerBytes(source, layer.index);
      assert.equal(layer.digest, layer.diffId, "docker save layers are uncompressed");
      assert.equal(sha256(bytes), layer.digest);
      assert.equal(layer.size, bytes.length);
      assert.equal(layer.created, "2024-05-06T07:08:09Z");
      assert.equal(
        layer.mediaType,
        layout === "classic"
          ? "application/vnd.docker.image.rootfs.diff.tar"
          : "application/vnd.oci.image.layer.v1.tar",
      );
    }
    await source.close();
  });
}

test("docker-archive: a repeated layer, saved once and linked, opens through the link", async () => {
  const file = join(scratch, "repeated.tar");
  const same = { files: { "etc/motd": "hi\n" } };
  await writeDockerArchive({ layers: [same, { files: { x: "1" } }, same] }, file);
  const source = await openSource(`docker-archive:${file}`);
  const [first, , third] = source.layers;
  assert.ok(first && third);
  assert.equal(third.digest, first.digest);
  assert.equal(sha256(await layerBytes(source, 2)), third.diffId);
});

test("docker-archive cut inside the 2nd layer: the 1st layer opens, later ones reject with InputError", async () => {
  const file = join(scratch, "truncated.tar");
  await writeDockerArchive(image, file, { entryOrder: "metadata-first" });
  const sizes = (await openSource(file)).layers.map((layer) => layer.size);
  const blob = [...(await indexTar(file)).entries.values()].filter((entry) => entry.name.endsWith("layer.tar"))[1];
  assert.ok(blob);
  await truncate(file, blob.dataOffset + Math.floor(blob.size / 2));

  const cut = await openSource(file);
  assert.deepEqual(
    cut.layers.map((layer) => layer.size),
    [sizes[0], sizes[1], 0],
    "a cut-short blob keeps its declared size",
  );
  assert.equal(sha256(await layerBytes(cut, 0)), cut.layers[0]?.digest);
  await assert.rejects(cut.openLayer(1), (error) => error instanceof InputError && /cut short/.test(error.message));
  await assert.rejects(
    cut.openLayer(2),
    (error) => error instanceof InputError && /missing.*truncated/.test(error.message),
  );
});

test("docker-archive cut before manifest.json (as docker orders it) is a fatal InputError", async () => {
  const file = join(scratch, "truncated-docker-order.tar");
  await writeDockerArchive(image, file);
  const manifest = (await indexTar(file)).entries.get("manifest.json");
  assert.ok(manifest);
  await truncate(file, manifest.dataOffset + 5);
  await assert.rejects(
    openSource(`docker-archive:${file}`),
    (error) => error instanceof InputError && /manifest\.json.*truncated/.test(error.message),
  );
});

test("docker-archive: a single image of another platform is refused only when a platform is asked for", async () => {
  const file = join(scratch, "arm64.tar");
  await writeDockerArchive(image, file);
  assert.equal((await openSource(file)).description.platform?.architecture, "arm64");
  assert.equal((await openSource(file, { platform: "linux/arm64/v8" })).layers.length, 3);
  await assert.rejects(
    openSource(file, { platform: "linux/amd64" }),
    (error) => error instanceof InputError && /linux\/arm64\/v8 image, not linux\/amd64/.test(error.message),
  );
});

/** A docker save archive assembled by hand, for shapes the builder does not write. */
async function handMadeArchive(
  name: string,
  manifest: unknown,
  files: Record<string, string | Buffer>,
): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, await tarOf({ "manifest.json": JSON.stringify(manifest), ...files }));
  return file;
}

function configOf(diffIds: string[], architecture = "amd64"): string {
  return JSON.stringify({ os: "linux", architecture, rootfs: { type: "layers", diff_ids: diffIds }, history: [] });
}

test("docker-archive with several images: ambiguous without a ref, chosen by tag or @N", async () => {
  const layer = await tarOf({ a: "1" });
  const config = configOf([sha256(layer)]);
  const other = configOf([sha256(layer)], "arm64");
  const file = await handMadeArchive(
    "two-images.tar",
    [
      { Config: "one.json", RepoTags: ["one:1"], Layers: ["l/layer.tar"] },
      { Config: "two.json", RepoTags: null, Layers: ["l/layer.tar"] },
    ],
    { "one.json": config, "two.json": other, "l/layer.tar": layer },
  );
  await assert.rejects(
    openSource(file),
    (error) => error instanceof InputError && /holds 2 images \(@0 one:1; @1 \(untagged\)\)/.test(error.message),
  );
  assert.deepEqual((await openSource(`docker-archive:${file}:one:1`)).description.tags, ["one:1"]);
  assert.equal((await openSource(`docker-archive:${file}:@1`)).description.platform?.architecture, "arm64");
  await assert.rejects(
    openSource(`docker-archive:${file}:nope`),
    (error) => error instanceof InputError && /no image "nope"/.test(error.message),
  );
});

test("docker-archive: corrupt or inconsistent metadata is a fatal InputError", async () => {
  const layer = await tarOf({ a: "1" });
  const config = configOf([sha256(layer)]);
  const configName = `${sha256(Buffer.from(config)).slice(7)}.json`;
  const cases: [string, unknown, Record<string, string | Buffer>, RegExp][] = [
    ["bad-json.tar", [{ Config: "c.json", Layers: [] }], { "c.json": "{not json" }, /not valid JSON/],
    ["no-config.tar", [{ Config: "c.json", Layers: [] }], {}, /"c.json" is missing/],
    ["manifest-shape.tar", { Config: "c.json" }, {}, /must be a JSON array/],
    ["no-layers.tar", [{ Config: "c.json" }], {}, /"Layers" is missing/],
    ["count.tar", [{ Config: "c.json", Layers: [] }], { "c.json": config }, /0 layers but its config has 1 diff_ids/],
    [
      "digest.tar",
      [{ Config: configName, Layers: ["l.tar"] }],
      { [configName]: config.replace("amd64", "arm64"), "l.tar": layer },
      /does not match its digest/,
    ],
    [
      "bad-diff-id.tar",
      [{ Config: "c.json", Layers: ["l.tar"] }],
      { "c.json": configOf(["sha256:nothex"]), "l.tar": layer },
      /not a sha256 or sha512 digest/,
    ],
  ];
  for (const [name, manifest, files, message] of cases) {
    const file = await handMadeArchive(name, manifest, files);
    await assert.rejects(openSource(file), (error) => error instanceof InputError && message.test(error.message), name);
  }
});

test("docker-archive: metadata over the size limit is refused", async () => {
  const file = join(scratch, "limit.tar");
  await writeDockerArchive(image, file);
  await assert.rejects(openSource(file, { limits: { maxMetadataBytes: 100 } }), /over the 100-byte limit/);
});
