import assert from "node:assert/strict";
import { access, appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError } from "../../src/errors.ts";
import { bigDataFileName } from "../../src/source/runtime/containers-storage.ts";
import { listImages, openRuntimeSource } from "../../src/source/runtime/index.ts";
import type { RuntimeOptions } from "../../src/source/runtime/options.ts";
import { cannotRun, runTool } from "./daemons.ts";
import { assertSameScan, type BuiltTestImage, buildTestImage, scanOpened } from "./test-image.ts";

/**
 * skopeo copies the OCI archive into private containers-storage roots, one per driver; Strata reads them
 * with no daemon. The overlay driver stores whiteouts as 0/0 character devices and opaque directories as
 * xattrs, vfs stores full copies: both must give back the original layer tars.
 */
let work = "";
let skip: string | undefined;
let image: BuiltTestImage | undefined;
const stored = "localhost/strata-test/storage:1";
const roots: Partial<Record<"vfs" | "overlay", string>> = {};
const unusable: Partial<Record<"vfs" | "overlay", string>> = {};

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-storage-"));
    skip = await cannotRun([{ binary: "skopeo", debianPackage: "skopeo" }]);
    if (skip) return;
    image = await buildTestImage(work);
    if (!image) {
      skip = "this machine's dpkg database is too small to build the test image";
      return;
    }
    for (const driver of ["vfs", "overlay"] as const) {
      const root = join(work, driver, "root");
      try {
        await runTool("skopeo", [
          "copy",
          "--quiet",
          `oci-archive:${image.ociArchive}`,
          `containers-storage:[${driver}@${root}+${join(work, driver, "runroot")}]${stored}`,
        ]);
        roots[driver] = root;
      } catch (error) {
        unusable[driver] = `skopeo could not store the image with the ${driver} driver here: ${String(error)}`;
      }
    }
  },
  { timeout: 90_000 },
);

after(async () => {
  // The overlay driver leaves its home bind-mounted on itself.
  if (roots.overlay) await runTool("umount", [join(roots.overlay, "overlay")]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

function open(name: string, options: RuntimeOptions) {
  return openRuntimeSource("containers-storage", {
    reference: `containers-storage:${name}`,
    name,
    maxMetadataBytes: 1 << 24,
    options: { env: {}, ...options },
  });
}

for (const driver of ["vfs", "overlay"] as const) {
  test(`an image in ${driver} containers-storage scans like its archive, from rebuilt layer tars`, async (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const root = roots[driver];
    if (root === undefined) {
      t.skip(unusable[driver] ?? `no ${driver} store`);
      return;
    }
    const inventory = await scanOpened(await open(`[${driver}@${root}]${stored}`, {}));
    assertSameScan(inventory, image!.expected);
    assert.equal(inventory.image.kind, "containers-storage");
    assert.deepEqual(inventory.image.tags, [stored]);
    assert.ok(inventory.image.manifestDigest?.startsWith("sha256:"));
    for (const layer of inventory.layers)
      assert.equal(layer.digest, layer.diffId, "the rebuilt tar is checked against its diff ID");
  });
}

test("the short name, the root option and a driver found on disk are enough", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const root = roots.vfs;
  if (root === undefined) {
    t.skip(unusable.vfs ?? "no vfs store");
    return;
  }
  const inventory = await scanOpened(await open("strata-test/storage:1", { storageRoot: root }));
  assert.equal(inventory.packages.length, image!.expected.packages.length);
  const configFile = bigDataFileName(image!.expected.image.configDigest ?? "");
  assert.match(configFile, /^=/, "a digest key is stored under its base64 name");
  assert.equal(bigDataFileName("manifest"), "manifest");
  const [listed, ...others] = await listImages("crio", { storageRoot: root, env: {} });
  assert.equal(others.length, 0);
  assert.deepEqual(listed?.names, [stored]);
  assert.equal(`sha256:${listed?.id ?? ""}`, image!.expected.image.configDigest);
  await access(join(root, "vfs-images", listed?.id ?? "", configFile));
  await assert.rejects(
    open("strata-test/absent:1", { storageRoot: root }),
    (error: unknown) => error instanceof InputError && error.message.includes(stored),
  );
});

test("storage.conf from CONTAINERS_STORAGE_CONF gives the root and driver", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const root = roots.vfs;
  if (root === undefined) {
    t.skip(unusable.vfs ?? "no vfs store");
    return;
  }
  const conf = join(work, "storage.conf");
  await writeFile(conf, `[storage]\ndriver = "vfs"\ngraphroot = ${JSON.stringify(root)}\nrunroot = "/run/unused"\n`);
  const listed = await listImages("podman", { env: { CONTAINERS_STORAGE_CONF: conf } });
  assert.deepEqual(
    listed.map((entry) => entry.names),
    [[stored]],
  );
});

test("a layer whose files changed after it was stored is refused, not scanned wrong", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const root = roots.vfs;
  if (root === undefined) {
    t.skip(unusable.vfs ?? "no vfs store");
    return;
  }
  const copy = join(work, "changed");
  await runTool("cp", ["-a", root, copy]);
  const source = await open(`[vfs@${copy}]${stored}`, {});
  try {
    const images: unknown = JSON.parse(await readFile(join(copy, "vfs-images", "images.json"), "utf8"));
    const top = Array.isArray(images) && isRecord(images[0]) ? images[0]["layer"] : undefined;
    assert.equal(typeof top, "string");
    await appendFile(join(copy, "vfs", "dir", String(top), "var", "lib", "dpkg", "status"), "\n");
    const inventory = await scanOpened(source);
    const last = inventory.layers.length - 1;
    assert.ok(
      inventory.issues.some(
        (issue) => issue.layer?.index === last && issue.message.includes("the layer was changed after it was stored"),
      ),
      JSON.stringify(inventory.issues),
    );
  } finally {
    await source.close();
  }
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
