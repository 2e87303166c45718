import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  type TestImage,
  tarOf,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
} from "../../test/image-builder/index.ts";
import { InputError } from "../errors.ts";
import { openSource } from "./open.ts";
import { rootfsMediaType } from "./rootfs.ts";

const scratch = await mkdtemp(join(tmpdir(), "open-source-"));
after(() => rm(scratch, { recursive: true, force: true }));

const image: TestImage = { repoTags: ["t:1"], layers: [{ files: { "etc/os-release": "ID=debian\n" } }] };

function expectInputError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof InputError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

test("a bare path is recognised by what it holds", async () => {
  const dockerClassic = join(scratch, "classic.tar");
  const docker25 = join(scratch, "docker25.tar");
  const ociArchive = join(scratch, "oci.tar");
  const ociDir = join(scratch, "oci");
  const rootfs = join(scratch, "rootfs");
  await writeDockerArchive(image, dockerClassic);
  await writeDockerArchive(image, docker25, { layout: "oci-compatible" });
  await writeOciArchive(image, ociArchive);
  await writeOciLayout(image, ociDir);
  await mkdir(join(rootfs, "etc"), { recursive: true });
  await writeFile(join(rootfs, "etc", "os-release"), "ID=debian\n");

  assert.equal((await openSource(dockerClassic)).description.kind, "docker-archive");
  assert.equal((await openSource(docker25)).description.kind, "docker-archive", "manifest.json wins over index.json");
  assert.equal((await openSource(ociArchive)).description.kind, "oci-archive");
  assert.equal((await openSource(ociDir)).description.kind, "oci-layout");
  assert.equal((await openSource(rootfs)).description.kind, "rootfs");
  assert.equal(
    (await openSource(`oci-archive:${docker25}`)).description.kind,
    "oci-archive",
    "a docker 25 archive is an OCI archive too",
  );
});

test("a root filesystem is one directory pseudo-layer", async () => {
  const rootfs = join(scratch, "rootfs-only");
  await mkdir(rootfs);
  for (const reference of [rootfs, `dir:${rootfs}`, `rootfs:${rootfs}`]) {
    const source = await openSource(reference);
    assert.deepEqual(source.description, { kind: "rootfs", reference, tags: [] });
    assert.deepEqual(source.layers, [{ index: 0, digest: "", diffId: "", size: 0, mediaType: rootfsMediaType }]);
    assert.deepEqual(await source.openLayer(0), { kind: "directory", root: resolve(rootfs) });
    await source.close();
  }
});

test("references that are not files or directories name what was tried", async () => {
  await assert.rejects(openSource("not a reference"), expectInputError(/nor an image reference/));
  await assert.rejects(
    openSource("127.0.0.1:1/strata/none:1", { env: {}, dockerConfig: false, retry: { attempts: 1 } }),
    (error: unknown) => error instanceof Error && error.name === "SourceError" && /cannot reach/.test(error.message),
  );
  await assert.rejects(openSource(join(scratch, "nope.tar")), expectInputError(/is not a file or directory/));
  await assert.rejects(
    openSource("docker-daemon:alpine:3.19", { runtime: { dockerHost: `unix://${join(scratch, "no-docker.sock")}` } }),
    (error: unknown) =>
      error instanceof Error && error.name === "SourceError" && /no Docker Engine socket at/.test(error.message),
  );
  await assert.rejects(openSource(`docker-archive:${join(scratch, "nope.tar")}`), expectInputError(/does not exist/));
  await assert.rejects(openSource("oci:"), expectInputError(/names no path/));
});

test("a transport given the wrong kind of path, or a tar of neither kind, is an InputError", async () => {
  await assert.rejects(openSource(`docker-archive:${scratch}`), expectInputError(/is not a regular file/));
  const file = join(scratch, "plain.tar");
  await writeFile(file, await tarOf({ "hello.txt": "hi" }));
  await assert.rejects(openSource(`oci:${file}`), expectInputError(/is not a directory/));
  await assert.rejects(openSource(`dir:${file}`), expectInputError(/is not a directory/));
  await assert.rejects(
    openSource(file),
    expectInputError(/neither a docker save archive \(no manifest.json\) nor an OCI archive/),
  );
  await assert.rejects(openSource(`docker-archive:${file}`), expectInputError(/"manifest.json" is missing/));
});

test("a compressed archive is refused with a hint to decompress it", async () => {
  const plain = join(scratch, "to-gzip.tar");
  await writeDockerArchive(image, plain);
  const gzipped = join(scratch, "image.tar.gz");
  await writeFile(gzipped, gzipSync(await readFile(plain)));
  await assert.rejects(openSource(gzipped), expectInputError(/is gzip-compressed; decompress it first \(gunzip -k /));
  await assert.rejects(openSource(`docker-archive:${gzipped}`), expectInputError(/gzip-compressed/));
});

test("a file that is not a tar is an InputError", async () => {
  const file = join(scratch, "notes.txt");
  await writeFile(file, "just some text\n".repeat(100));
  await assert.rejects(openSource(file), expectInputError(/is not a tar archive/));
});
