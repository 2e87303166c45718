import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError, SourceError } from "../../src/errors.ts";
import { BoltFile } from "../../src/source/runtime/bolt.ts";
import { metadataPath, readContainerdImages } from "../../src/source/runtime/containerd-metadata.ts";
import { listImages, openRuntimeSource } from "../../src/source/runtime/index.ts";
import type { RuntimeOptions } from "../../src/source/runtime/options.ts";
import { cannotRun, type Daemon, runTool, startContainerd } from "./daemons.ts";
import { assertSameScan, type BuiltTestImage, buildTestImage, scanOpened, testImageName } from "./test-image.ts";

/**
 * The docker-archive goes into namespace k8s.io (ctr names it docker.io/<name>), the OCI archive into
 * "default" (named by its ref.name annotation). Strata reads containerd's root directly, daemon or not.
 */
let work = "";
let skip: string | undefined;
let daemon: Daemon | undefined;
let image: BuiltTestImage | undefined;
let root = "";
const onlyInK8s = "registry.example/only-k8s:1";

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-containerd-"));
    skip = await cannotRun([
      { binary: "containerd", debianPackage: "containerd" },
      { binary: "ctr", debianPackage: "containerd" },
    ]);
    if (skip) return;
    image = await buildTestImage(work);
    if (!image) {
      skip = "this machine's dpkg database is too small to build the test image";
      return;
    }
    try {
      const started = await startContainerd(join(work, "containerd"));
      daemon = started.daemon;
      root = started.root;
      await runTool("ctr", [
        "-a",
        started.socket,
        "-n",
        "k8s.io",
        "images",
        "import",
        "--no-unpack",
        image.dockerArchive,
      ]);
      await runTool("ctr", [
        "-a",
        started.socket,
        "-n",
        "default",
        "images",
        "import",
        "--no-unpack",
        image.ociArchive,
      ]);
      await runTool("ctr", [
        "-a",
        started.socket,
        "-n",
        "k8s.io",
        "images",
        "tag",
        `docker.io/${testImageName}`,
        onlyInK8s,
      ]);
    } catch (error) {
      skip = `containerd could not be started here: ${String(error)}`;
    }
  },
  { timeout: 90_000 },
);

after(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

function open(name: string, options: RuntimeOptions, platform?: string) {
  return openRuntimeSource("containerd", {
    reference: `containerd:${name}`,
    name,
    maxMetadataBytes: 1 << 24,
    options: { containerdRoot: root, env: {}, ...options },
    ...(platform === undefined ? {} : { platform }),
  });
}

test("without a namespace, k8s.io is searched first, and the short name finds docker.io/<name>", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const inventory = await scanOpened(await open(testImageName, {}));
  assertSameScan(inventory, image!.expected);
  assert.equal(inventory.image.kind, "containerd");
  assert.deepEqual([...inventory.image.tags].sort(), [`docker.io/${testImageName}`, onlyInK8s].sort());
  assert.ok(inventory.image.manifestDigest?.startsWith("sha256:"));
});

test("--namespace default reads the OCI archive's copy, with compressed layers", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const inventory = await scanOpened(await open(testImageName, { containerdNamespace: "default" }));
  assertSameScan(inventory, image!.expected);
  assert.deepEqual(inventory.image.tags, [testImageName]);
  assert.notEqual(inventory.layers[0]?.digest, inventory.layers[0]?.diffId, "layers are the gzip blobs");
});

test("CONTAINERD_NAMESPACE chooses the namespace too; a name in another namespace says where it is", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const fromEnv = await scanOpened(await open(testImageName, { env: { CONTAINERD_NAMESPACE: "default" } }));
  assert.deepEqual(fromEnv.image.tags, [testImageName]);
  await assert.rejects(
    open(onlyInK8s, { containerdNamespace: "default" }),
    (error: unknown) => error instanceof InputError && error.message.includes("it is in namespace k8s.io"),
  );
  await assert.rejects(
    open("strata-test/absent:1", {}),
    (error: unknown) => error instanceof InputError && error.message.includes(`docker.io/${testImageName}`),
  );
});

test("the store is read without the daemon, and listed per namespace", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const listed = await listImages("containerd", { containerdRoot: root, env: {} });
  assert.deepEqual(listed.map((entry) => [entry.namespace, entry.names]).sort(), [
    ["default", [testImageName]],
    ["k8s.io", [`docker.io/${testImageName}`, onlyInK8s].sort()],
  ]);
  for (const entry of listed) assert.match(entry.created ?? "", /^20\d\d-/);
  const k8s = await listImages("containerd", { containerdRoot: root, containerdNamespace: "k8s.io", env: {} });
  assert.equal(k8s.length, 1);
});

test("a missing layer blob is named, with how to fetch it again", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const copy = join(work, "copy");
  await runTool("cp", ["-a", root, copy]);
  const diffId = image!.expected.layers[1]!.diffId;
  await rm(join(copy, "io.containerd.content.v1.content", "blobs", "sha256", diffId.slice("sha256:".length)));
  await assert.rejects(
    open(testImageName, { containerdRoot: copy, containerdNamespace: "k8s.io" }),
    (error: unknown) => error instanceof InputError && error.message.includes(`layer 1 (${diffId})`),
  );
});

test("a root without containerd metadata is a source error naming the database", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  await assert.rejects(
    open(testImageName, { containerdRoot: join(work, "nowhere") }),
    (error: unknown) => error instanceof SourceError && error.message.includes(join(work, "nowhere", metadataPath)),
  );
});

test("damaged copies of the metadata database give input errors, never crashes or wrong reads", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const original = await readFile(join(root, metadataPath));
  const dir = join(work, "damaged");
  await mkdir(join(dir, "io.containerd.metadata.v1.bolt"), { recursive: true });
  const path = join(dir, metadataPath);

  await copyFile(join(root, metadataPath), path);
  const db = await BoltFile.open(path);
  assert.ok(db.txid > 0n);
  await db.close();
  const pageSize = original.readUInt32LE(16 + 8);
  await truncate(path, pageSize * 2 + 100);
  await assert.rejects(readContainerdImages(dir), InputError, "cut short after the meta pages");
  await writeFile(path, Buffer.alloc(pageSize * 4));
  await assert.rejects(readContainerdImages(dir), /not a bolt database/);

  let seed = 7;
  const random = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % limit;
  };
  let failures = 0;
  for (let round = 0; round < 150; round++) {
    const damaged = Buffer.from(original);
    for (let flips = 1 + random(8); flips > 0; flips--) {
      const at = 2 * pageSize + random(damaged.length - 2 * pageSize);
      damaged[at] = random(256);
    }
    await writeFile(path, damaged);
    try {
      for (const record of await readContainerdImages(dir)) assert.match(record.target.digest, /^sha(256|512):/);
    } catch (error) {
      assert.ok(error instanceof InputError, `round ${round}: ${String(error)}`);
      failures += 1;
    }
  }
  assert.ok(failures > 0, "some damage was noticed");
});
