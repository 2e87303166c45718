import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError } from "../../src/errors.ts";
import { listImages, openRuntimeSource } from "../../src/source/runtime/index.ts";
import type { RuntimeOptions } from "../../src/source/runtime/options.ts";
import { cannotRun, type Daemon, runTool, startDockerd } from "./daemons.ts";
import { assertSameScan, type BuiltTestImage, buildTestImage, scanOpened, testImageName } from "./test-image.ts";

let work = "";
let skip: string | undefined;
let daemon: Daemon | undefined;
let image: BuiltTestImage | undefined;
let options: RuntimeOptions = {};

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-dockerd-"));
    skip = await cannotRun([
      { binary: "dockerd", debianPackage: "docker.io" },
      { binary: "docker", debianPackage: "docker.io" },
    ]);
    if (skip) return;
    image = await buildTestImage(work);
    if (!image) {
      skip = "this machine's dpkg database is too small to build the test image";
      return;
    }
    try {
      const started = await startDockerd(join(work, "docker"));
      daemon = started.daemon;
      options = { dockerHost: `unix://${started.socket}`, spoolDir: join(work, "spool") };
      await mkdir(join(work, "spool"));
      await runTool("docker", ["-H", `unix://${started.socket}`, "load", "-i", image.dockerArchive]);
    } catch (error) {
      skip = `dockerd could not be started here: ${String(error)}`;
    }
  },
  { timeout: 90_000 },
);

after(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

test("an image read from the Docker Engine scans like its docker save archive", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const inventory = await scanOpened(
    await openRuntimeSource("docker", {
      reference: `docker:${testImageName}`,
      name: testImageName,
      maxMetadataBytes: 1 << 24,
      options,
    }),
  );
  assertSameScan(inventory, image!.expected);
  assert.equal(inventory.image.kind, "docker-daemon");
  assert.equal(inventory.image.reference, `docker:${testImageName}`);
  assert.deepEqual(inventory.image.tags, [testImageName]);
  assert.deepEqual(await readdir(join(work, "spool")), [], "the spooled docker save archive is removed on close");
});

test("the image ID (and a prefix of it) finds the same image", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const [listed] = (await listImages("docker", options)).filter((entry) => entry.names.includes(testImageName));
  assert.ok(listed, "docker lists the loaded image");
  assert.equal(listed.id, image!.expected.image.configDigest);
  assert.equal(listed.reference, `docker:${testImageName}`);
  const prefix = listed.id.slice("sha256:".length, "sha256:".length + 12);
  const inventory = await scanOpened(
    await openRuntimeSource("docker", {
      reference: `docker:${prefix}`,
      name: prefix,
      maxMetadataBytes: 1 << 24,
      options,
    }),
  );
  assert.equal(inventory.image.configDigest, listed.id);
  assert.equal(inventory.packages.length, image!.expected.packages.length);
});

test("an unknown image is an input error naming it", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  await assert.rejects(
    openRuntimeSource("docker", {
      reference: "docker:strata-test/absent:1",
      name: "strata-test/absent:1",
      maxMetadataBytes: 1 << 24,
      options,
    }),
    (error: unknown) => error instanceof InputError && error.message.includes('no image "strata-test/absent:1"'),
  );
});

test("a platform the image is not for is refused before anything is saved", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  await assert.rejects(
    openRuntimeSource("docker", {
      reference: `docker:${testImageName}`,
      name: testImageName,
      platform: "linux/arm64",
      maxMetadataBytes: 1 << 24,
      options,
    }),
    /is a linux\/amd64 image, not linux\/arm64/,
  );
  assert.deepEqual(await readdir(join(work, "spool")), []);
});
