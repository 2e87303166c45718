import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "zstd-napi";
import { type TestImage, writeOciArchive, writeOciLayout } from "../../test/image-builder/index.ts";
import { InputError } from "../errors.ts";
import { openSource } from "./open.ts";
import type { ImageSource } from "./types.ts";

const scratch = await mkdtemp(join(tmpdir(), "oci-layout-"));
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

function imageFor(architecture: string, variant?: string): TestImage {
  return {
    architecture,
    ...(variant === undefined ? {} : { variant }),
    layers: [{ files: { "etc/arch": architecture }, createdBy: `ADD ${architecture}` }],
  };
}

const image: TestImage = {
  repoTags: ["example/app:2.0"],
  created: "2024-02-03T04:05:06Z",
  layers: [
    { files: { "etc/os-release": "ID=alpine\n" }, createdBy: "ADD alpine.tar /" },
    {
      files: { "lib/apk/db/installed": "P:musl\n" },
      createdBy: "RUN apk add musl",
      compression: "zstd",
      emptyLayersBefore: ["ENV X=1"],
    },
    {
      files: { "app/run": "run" },
      createdBy: "COPY run /app/",
      compression: "none",
      emptyLayersBefore: ["WORKDIR /app", "USER app"],
    },
  ],
};

function expectInputError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof InputError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

async function checkImage(source: ImageSource): Promise<void> {
  const { description, layers } = source;
  assert.deepEqual(description.tags, ["example/app:2.0"]);
  assert.deepEqual(description.platform, { os: "linux", architecture: "amd64" });
  assert.equal(description.created, "2024-02-03T04:05:06Z");
  assert.match(description.manifestDigest ?? "", /^sha256:[a-f0-9]{64}$/);
  assert.match(description.configDigest ?? "", /^sha256:[a-f0-9]{64}$/);
  assert.deepEqual(
    layers.map((layer) => layer.createdBy),
    ["ADD alpine.tar /", "RUN apk add musl", "COPY run /app/"],
  );
  assert.deepEqual(
    layers.map((layer) => layer.mediaType),
    [
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.v1.tar",
    ],
  );
  const decompressors = [gunzipSync, zstdDecompress, (bytes: Buffer) => bytes];
  for (const [index, layer] of layers.entries()) {
    const blob = await layerBytes(source, index);
    assert.equal(sha256(blob), layer.digest, "layer digest is the stored blob's");
    assert.equal(blob.length, layer.size);
    assert.equal(
      sha256(decompressors[index]?.(blob) ?? Buffer.alloc(0)),
      layer.diffId,
      "diffId is the uncompressed tar's",
    );
  }
}

test("OCI layout directory: description, history mapping and raw layer blobs", async () => {
  const dir = join(scratch, "single");
  await writeOciLayout(image, dir);
  const source = await openSource(dir);
  assert.equal(source.description.kind, "oci-layout");
  const index: unknown = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  assert.ok(JSON.stringify(index).includes(source.description.manifestDigest ?? "none"));
  await checkImage(source);
  await source.close();
  assert.equal((await openSource(`oci:${dir}`)).description.kind, "oci-layout");
  assert.equal((await openSource(`oci-layout:${dir}:example/app:2.0`)).description.kind, "oci-layout");
});

test("OCI archive: the same image read from inside a tar", async () => {
  const file = join(scratch, "single.tar");
  await writeOciArchive(image, file);
  const source = await openSource(file);
  assert.equal(source.description.kind, "oci-archive");
  await checkImage(source);
  assert.equal((await openSource(`oci-archive:${file}`)).description.kind, "oci-archive");
});

test("Docker v2 manifest and manifest list media types inside an OCI layout", async () => {
  const dir = join(scratch, "docker-types");
  await writeOciLayout({ platforms: [imageFor("amd64"), imageFor("arm64", "v8")] }, dir, { mediaTypes: "docker" });
  const source = await openSource(dir, { platform: "linux/arm64" });
  assert.deepEqual(source.description.platform, { os: "linux", architecture: "arm64", variant: "v8" });
  const [layer] = source.layers;
  assert.ok(layer);
  assert.equal(layer.mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
  assert.equal(sha256(await layerBytes(source, 0)), layer.digest);
});

test("multi-platform index: platform selection, default linux/amd64, and the error listing platforms", async () => {
  const dir = join(scratch, "multi");
  await writeOciLayout(
    {
      repoTags: ["multi:1"],
      platforms: [imageFor("amd64"), imageFor("arm64", "v8"), imageFor("arm", "v7"), imageFor("arm", "v6")],
    },
    dir,
  );
  const archOf = async (platform?: string): Promise<string | undefined> => {
    const source = await openSource(dir, platform === undefined ? {} : { platform });
    return [source.description.platform?.architecture, source.description.platform?.variant].filter(Boolean).join("/");
  };
  assert.equal(await archOf(), "amd64");
  assert.equal(await archOf("linux/amd64"), "amd64");
  assert.equal(await archOf("linux/arm64"), "arm64/v8");
  assert.equal(await archOf("linux/aarch64"), "arm64/v8");
  assert.equal(await archOf("linux/arm"), "arm/v7");
  assert.equal(await archOf("linux/arm/v6"), "arm/v6");
  const source = await openSource(dir, { platform: "linux/arm64" });
  assert.deepEqual(source.description.tags, ["multi:1"]);
  assert.deepEqual(
    source.layers.map((layer) => layer.createdBy),
    ["ADD arm64"],
  );
  await assert.rejects(
    openSource(dir, { platform: "linux/s390x" }),
    expectInputError(
      /has no image for linux\/s390x; available platforms: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7, linux\/arm\/v6/,
    ),
  );
  await assert.rejects(openSource(dir, { platform: "linux" }), expectInputError(/not of the form os\/arch/));
});

test("an index with one manifest is used when no platform is asked for, and checked when one is", async () => {
  const dir = join(scratch, "only-arm64");
  await writeOciLayout({ platforms: [imageFor("arm64")] }, dir);
  assert.equal((await openSource(dir)).description.platform?.architecture, "arm64");
  await assert.rejects(
    openSource(dir, { platform: "linux/amd64" }),
    expectInputError(/available platforms: linux\/arm64/),
  );
});

test("plain manifests listed in index.json are told apart by their configs' platforms", async () => {
  const dir = join(scratch, "unnamed-pair");
  await writeOciLayout({ images: [imageFor("arm64"), imageFor("amd64")] }, dir);
  assert.equal((await openSource(dir)).description.platform?.architecture, "amd64");
  assert.equal((await openSource(dir, { platform: "linux/arm64" })).description.platform?.architecture, "arm64");
});

test("several named images: ambiguous without a ref, chosen with oci:DIR:ref", async () => {
  const dir = join(scratch, "named");
  await writeOciLayout(
    {
      images: [
        { ...imageFor("amd64"), repoTags: ["first"] },
        {
          ...imageFor("amd64"),
          layers: [{ files: { b: "2" }, createdBy: "second" }],
          repoTags: ["second", "also-second"],
        },
      ],
    },
    dir,
  );
  await assert.rejects(
    openSource(dir),
    expectInputError(/holds 2 images; it has: first, second, also-second; choose one with oci:PATH:NAME/),
  );
  const second = await openSource(`oci:${dir}:second`);
  assert.deepEqual(
    second.layers.map((layer) => layer.createdBy),
    ["second"],
  );
  assert.deepEqual(second.description.tags, ["second", "also-second"]);
  await assert.rejects(
    openSource(`oci:${dir}:third`),
    expectInputError(/no image named "third"; it has: first, second, also-second/),
  );
  const archive = join(scratch, "named.tar");
  await writeOciArchive(
    {
      images: [
        { ...imageFor("arm64"), repoTags: ["a"] },
        { ...imageFor("amd64"), repoTags: ["b"] },
      ],
    },
    archive,
  );
  assert.equal((await openSource(`oci-archive:${archive}:a`)).description.platform?.architecture, "arm64");
});

test("attestation manifests in index.json are not images", async () => {
  const dir = join(scratch, "attested");
  await writeOciLayout(imageFor("amd64"), dir);
  const indexPath = join(dir, "index.json");
  const index: unknown = JSON.parse(await readFile(indexPath, "utf8"));
  assert.ok(typeof index === "object" && index !== null && "manifests" in index);
  const manifests: unknown = index.manifests;
  assert.ok(Array.isArray(manifests));
  const entry: unknown = manifests[0];
  assert.ok(typeof entry === "object" && entry !== null);
  const attestation = {
    ...entry,
    platform: { os: "unknown", architecture: "unknown" },
    annotations: { "vnd.docker.reference.type": "attestation-manifest" },
  };
  await writeFile(indexPath, JSON.stringify({ ...index, manifests: [attestation, entry] }));
  assert.equal((await openSource(dir, { platform: "linux/amd64" })).description.platform?.architecture, "amd64");
});

test("a missing layer blob rejects when opened; a tampered manifest is a fatal InputError", async () => {
  const dir = join(scratch, "damaged");
  await writeOciLayout(image, dir);
  const source = await openSource(dir);
  const missing = source.layers[1];
  assert.ok(missing);
  await unlink(join(dir, "blobs", "sha256", missing.digest.slice(7)));
  assert.equal(sha256(await layerBytes(source, 0)), source.layers[0]?.digest);
  await assert.rejects(source.openLayer(1), expectInputError(/is missing from directory/));
  assert.equal(sha256(await layerBytes(source, 2)), source.layers[2]?.digest);

  const manifestPath = join(dir, "blobs", "sha256", (source.description.manifestDigest ?? "").slice(7));
  await writeFile(manifestPath, (await readFile(manifestPath, "utf8")).replace("schemaVersion", "schemaVersion "));
  await assert.rejects(openSource(dir), expectInputError(/does not match its digest/));
});

test("a layout without index.json, or one whose manifest is not an image, is an InputError", async () => {
  const dir = join(scratch, "no-index");
  await writeOciLayout(image, dir);
  await unlink(join(dir, "index.json"));
  await assert.rejects(openSource(`oci:${dir}`), expectInputError(/"index.json" is missing/));
  const notImage = join(scratch, "not-image");
  await writeOciLayout(image, notImage);
  await writeFile(
    join(notImage, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:../../etc/passwd", size: 1 },
      ],
    }),
  );
  await assert.rejects(openSource(notImage), expectInputError(/not a sha256 or sha512 digest/));
});
