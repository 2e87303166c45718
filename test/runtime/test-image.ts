/**
 * The image the runtime tests load into each runtime: debootstrap-style layers made from this machine's
 * own dpkg database (install, purge with a whiteout, reinstall), written as a docker-archive and an OCI
 * archive. A runtime's copy must scan exactly like the archive it was loaded from.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import type { ImageSource } from "../../src/source/types.ts";
import { type TestImage, writeDockerArchive, writeOciArchive } from "../image-builder/index.ts";
import { type HostStanza, hostFile, installedHostStanzas, statusFile } from "../integration/host-debian.ts";

export const testImageName = "strata-test/runtime:layers";

export interface BuiltTestImage {
  dockerArchive: string;
  ociArchive: string;
  /** The scan of the docker-archive: what every runtime's copy must match. */
  expected: Inventory;
}

/** Writes both archives into `dir`; undefined when this machine has too small a dpkg database to build from. */
export async function buildTestImage(dir: string): Promise<BuiltTestImage | undefined> {
  const stanzas = await installedHostStanzas();
  if (!stanzas || stanzas.length < 10) return undefined;
  const [added, purged] = stanzas.slice(-2) as [HostStanza, HostStanza];
  const base = stanzas.slice(0, -2);
  const osRelease = (await hostFile("/usr/lib/os-release")) ?? "ID=debian\nVERSION_ID=12\n";
  const image: TestImage = {
    repoTags: [testImageName],
    layers: [
      {
        createdBy: "debootstrap --variant=minbase bookworm",
        files: {
          "usr/lib/os-release": osRelease,
          "etc/os-release": { symlink: "../usr/lib/os-release" },
          "var/lib/dpkg/status": statusFile(base),
          "usr/share/doc/strata-old/copyright": "old\n",
        },
      },
      {
        createdBy: `/bin/sh -c apt-get install -y ${added.name} ${purged.name}`,
        emptyLayersBefore: ["ENV DEBIAN_FRONTEND=noninteractive"],
        files: {
          "var/lib/dpkg/status": statusFile([...base, added, purged]),
          "usr/share/doc/.wh..wh..opq": "",
          [`usr/share/doc/${purged.name}/copyright`]: "reinstalled\n",
        },
      },
      {
        createdBy: `/bin/sh -c apt-get purge -y ${purged.name}`,
        compression: "none",
        files: {
          "var/lib/dpkg/status": statusFile([...base, added]),
          [`usr/share/doc/.wh.${purged.name}`]: "",
        },
      },
      {
        createdBy: `/bin/sh -c apt-get install -y ${purged.name}`,
        files: {
          "var/lib/dpkg/status": statusFile([...base, purged, added]),
          "usr/lib/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
        },
      },
    ],
  };
  const dockerArchive = join(dir, "image.docker.tar");
  const ociArchive = join(dir, "image.oci.tar");
  await writeDockerArchive(image, dockerArchive);
  await writeOciArchive(image, ociArchive);
  return { dockerArchive, ociArchive, expected: await scanOpened(await openSource(`docker-archive:${dockerArchive}`)) };
}

export async function scanOpened(source: ImageSource): Promise<Inventory> {
  try {
    return await scanImage(source, { now: new Date(0) });
  } finally {
    await source.close();
  }
}

/** Same layers (by diff ID, in order, with history), same distro, same packages in the same layers. */
export function assertSameScan(actual: Inventory, expected: Inventory): void {
  assert.deepEqual(actual.issues, [], "the runtime's copy scans without issues");
  assert.deepEqual(
    actual.layers.map((layer) => [layer.index, layer.diffId, layer.createdBy]),
    expected.layers.map((layer) => [layer.index, layer.diffId, layer.createdBy]),
  );
  assert.deepEqual(actual.distro, expected.distro);
  const summary = (inventory: Inventory): string[] =>
    inventory.packages
      .map(
        (pkg) =>
          `${pkg.purl} layer=${pkg.layer.index}:${pkg.layer.diffId} at=${pkg.locations.map((l) => l.path).join(",")}`,
      )
      .sort();
  assert.ok(expected.packages.length > 10, "the test image has packages to compare");
  assert.deepEqual(summary(actual), summary(expected));
  assert.equal(actual.image.configDigest, expected.image.configDigest);
  assert.deepEqual(actual.image.platform, expected.image.platform);
}
