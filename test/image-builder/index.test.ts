import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { decompress as zstdDecompress } from "zstd-napi";
import { tarOf, writeDockerArchive, writeOciArchive, writeOciLayout } from "./index.ts";

interface ExtractedEntry {
  type: string;
  linkname: string;
  data: Buffer;
}

async function entriesOf(tar: Buffer): Promise<Map<string, ExtractedEntry>> {
  const entries = new Map<string, ExtractedEntry>();
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
      entries.set(entry.header.name, {
        type: entry.header.type,
        linkname: entry.header.linkname,
        data: Buffer.concat(chunks),
      });
    }
  })();
  reader.end(tar);
  await done;
  return entries;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function json(data: Buffer | undefined): Record<string, unknown> {
  assert.ok(data, "missing document");
  const value: unknown = JSON.parse(data.toString("utf8"));
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value));
  return Object.fromEntries(Object.entries(value));
}

function field<T>(object: Record<string, unknown>, key: string, check: (value: unknown) => value is T): T {
  const value = object[key];
  assert.ok(check(value), `unexpected ${key}: ${JSON.stringify(value)}`);
  return value;
}

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

const scratch = await mkdtemp(join(tmpdir(), "image-builder-"));
after(() => rm(scratch, { recursive: true, force: true }));

const image = {
  repoTags: ["example/app:1.0"],
  layers: [
    { files: { "etc/os-release": "ID=debian\n", "bin/sh": { symlink: "dash" } }, createdBy: "ADD rootfs /" },
    {
      files: { "etc/.wh.os-release": "", "usr/share/doc/.wh..wh..opq": "" },
      createdBy: "RUN rm",
      compression: "zstd" as const,
      emptyLayersBefore: ["ENV A=1", "LABEL b=2"],
    },
  ],
};

test("tarOf writes parent directories before the files in them, and links and whiteouts as given", async () => {
  const tar = await tarOf({
    "var/lib/dpkg/status": "Package: x\n",
    "usr/bin/b": { hardlink: "usr/bin/a" },
    "usr/lib/.wh.gone": "",
    opt: { dir: true },
  });
  const entries = await entriesOf(tar);
  assert.deepEqual(
    [...entries.keys()],
    [
      "var/",
      "var/lib/",
      "var/lib/dpkg/",
      "var/lib/dpkg/status",
      "usr/",
      "usr/bin/",
      "usr/bin/b",
      "usr/lib/",
      "usr/lib/.wh.gone",
      "opt/",
    ],
  );
  assert.equal(entries.get("var/lib/")?.type, "directory");
  assert.equal(entries.get("usr/bin/b")?.type, "link");
  assert.equal(entries.get("usr/bin/b")?.linkname, "usr/bin/a");
  assert.equal(entries.get("var/lib/dpkg/status")?.data.toString(), "Package: x\n");
});

test("OCI layout: descriptor digests and sizes are real, diff_ids are digests of the uncompressed tars", async () => {
  const dir = join(scratch, "layout");
  await writeOciLayout(image, dir);
  const blob = (digest: string): Promise<Buffer> => readFile(join(dir, "blobs", "sha256", digest.slice(7)));
  assert.deepEqual(json(await readFile(join(dir, "oci-layout"))), { imageLayoutVersion: "1.0.0" });
  const index = json(await readFile(join(dir, "index.json")));
  const [entry] = field(index, "manifests", isArray);
  assert.ok(isObject(entry));
  assert.deepEqual(entry["annotations"], { "org.opencontainers.image.ref.name": "example/app:1.0" });
  const manifestBytes = await blob(field(entry, "digest", isString));
  assert.equal(sha256(manifestBytes), entry["digest"]);
  assert.equal(manifestBytes.length, entry["size"]);

  const manifest = json(manifestBytes);
  assert.equal(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  const configDescriptor = field(manifest, "config", isObject);
  const configBytes = await blob(field(configDescriptor, "digest", isString));
  assert.equal(sha256(configBytes), configDescriptor["digest"]);
  const config = json(configBytes);
  const diffIds = field(field(config, "rootfs", isObject), "diff_ids", isStringArray);

  const layers = field(manifest, "layers", isArray).filter(isObject);
  assert.deepEqual(
    layers.map((layer) => layer["mediaType"]),
    ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd"],
  );
  const [gzipped, zstded] = await Promise.all(layers.map((layer) => blob(field(layer, "digest", isString))));
  assert.ok(gzipped && zstded);
  assert.equal(sha256(gzipped), layers[0]?.["digest"]);
  assert.equal(gzipped.length, layers[0]?.["size"]);
  assert.equal(sha256(gunzipSync(gzipped)), diffIds[0]);
  assert.equal(sha256(zstdDecompress(zstded)), diffIds[1]);
  assert.ok((await entriesOf(zstdDecompress(zstded))).has("usr/share/doc/.wh..wh..opq"));

  const history = field(config, "history", isArray).filter(isObject);
  assert.deepEqual(
    history.map((entry) => [entry["created_by"], entry["empty_layer"] ?? false]),
    [
      ["ADD rootfs /", false],
      ["ENV A=1", true],
      ["LABEL b=2", true],
      ["RUN rm", false],
    ],
  );
  assert.equal(config["os"], "linux");
  assert.equal(config["architecture"], "amd64");
});

test("OCI archive with platforms: index.json points to an image index whose manifests carry platforms", async () => {
  const file = join(scratch, "multi.tar");
  await writeOciArchive(
    {
      platforms: [
        { layers: [{ files: { a: "1" } }] },
        { architecture: "arm64", variant: "v8", layers: [{ files: { a: "2" } }] },
      ],
    },
    file,
  );
  const entries = await entriesOf(await readFile(file));
  const blob = (digest: string): Buffer | undefined => entries.get(`blobs/sha256/${digest.slice(7)}`)?.data;
  assert.ok(entries.has("oci-layout"));
  const [top] = field(json(entries.get("index.json")?.data), "manifests", isArray);
  assert.ok(isObject(top));
  assert.equal(top["mediaType"], "application/vnd.oci.image.index.v1+json");
  const indexBytes = blob(field(top, "digest", isString));
  assert.ok(indexBytes);
  assert.equal(sha256(indexBytes), top["digest"]);
  const platforms = field(json(indexBytes), "manifests", isArray)
    .filter(isObject)
    .map((manifest) => manifest["platform"]);
  assert.deepEqual(platforms, [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
  ]);
});

for (const layout of ["classic", "oci-compatible"] as const) {
  test(`docker archive (${layout}): uncompressed layers whose digests are the config diff_ids`, async () => {
    const file = join(scratch, `docker-${layout}.tar`);
    const repeated = { files: { x: "same" } };
    await writeDockerArchive({ ...image, layers: [...image.layers, repeated, repeated] }, file, { layout });
    const entries = await entriesOf(await readFile(file));
    const parsed: unknown = JSON.parse(entries.get("manifest.json")?.data.toString() ?? "[]");
    assert.ok(isArray(parsed));
    const [saved] = parsed;
    assert.ok(isObject(saved));
    assert.deepEqual(saved["RepoTags"], ["example/app:1.0"]);
    const configName = field(saved, "Config", isString);
    const configBytes = entries.get(configName)?.data;
    assert.ok(configBytes);
    assert.equal(sha256(configBytes), `sha256:${configName.replace(/^blobs\/sha256\//, "").replace(/\.json$/, "")}`);
    const diffIds = field(field(json(configBytes), "rootfs", isObject), "diff_ids", isStringArray);
    const layerNames = field(saved, "Layers", isStringArray);
    assert.equal(layerNames.length, 4);
    for (const [i, name] of layerNames.entries()) {
      let entry = entries.get(name);
      if (entry?.type === "symlink") entry = entries.get(posix.join(name, "..", entry.linkname));
      assert.ok(entry, name);
      assert.equal(sha256(entry.data), diffIds[i], name);
    }
    if (layout === "classic") {
      assert.equal(entries.get(layerNames[3] ?? "")?.type, "symlink");
    } else {
      assert.ok(entries.has("index.json") && entries.has("oci-layout"));
      const sources = field(saved, "LayerSources", isObject);
      assert.deepEqual(Object.keys(sources).sort(), [...new Set(diffIds)].sort());
    }
    const names = [...entries.keys()];
    assert.ok(
      names.indexOf("manifest.json") > names.indexOf(layerNames[0] ?? ""),
      "docker order puts manifest.json after the layers",
    );
  });
}

test("docker archive with metadata-first order puts manifest.json and the config first", async () => {
  const file = join(scratch, "docker-first.tar");
  await writeDockerArchive(image, file, { entryOrder: "metadata-first" });
  const names = [...(await entriesOf(await readFile(file))).keys()];
  assert.equal(names[0], "manifest.json");
  assert.match(names[1] ?? "", /^[a-f0-9]{64}\.json$/);
});
