import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { type TestImage, writeDockerArchive, writeOciArchive, writeOciLayout } from "../image-builder/index.ts";
import { type HostStanza, hostFile, installedHostStanzas, statusFile } from "./host-debian.ts";

/**
 * A debootstrap-style image from this machine's own dpkg database: a base layer, a layer that installs
 * two packages, one that purges one of them, and one that installs it again.
 */
let work = "";
let stanzas: HostStanza[] | undefined;
let image: TestImage;
let added: HostStanza;
let purged: HostStanza;
let base: HostStanza[];

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-scan-image-"));
  stanzas = await installedHostStanzas();
  if (!stanzas || stanzas.length < 10) return;
  [added, purged] = stanzas.slice(-2) as [HostStanza, HostStanza];
  base = stanzas.slice(0, -2);
  const osRelease = (await hostFile("/usr/lib/os-release")) ?? "ID=debian\nVERSION_ID=12\n";
  const purgedCopyright = await hostFile(`/usr/share/doc/${purged.name}/copyright`);
  const purgedDocs = purgedCopyright ? { [`usr/share/doc/${purged.name}/copyright`]: purgedCopyright } : {};
  image = {
    repoTags: ["strata-test/debian:layers"],
    layers: [
      {
        createdBy: "debootstrap --variant=minbase bookworm",
        files: {
          "usr/lib/os-release": osRelease,
          "etc/os-release": { symlink: "../usr/lib/os-release" },
          "var/lib/dpkg/status": statusFile(base),
        },
      },
      {
        createdBy: `/bin/sh -c apt-get install -y ${added.name} ${purged.name}`,
        emptyLayersBefore: ["ENV DEBIAN_FRONTEND=noninteractive"],
        files: { "var/lib/dpkg/status": statusFile([...base, added, purged]), ...purgedDocs },
      },
      {
        createdBy: `/bin/sh -c apt-get purge -y ${purged.name}`,
        files: { "var/lib/dpkg/status": statusFile([...base, added]), [`usr/share/doc/.wh.${purged.name}`]: "" },
      },
      {
        createdBy: `/bin/sh -c apt-get install -y ${purged.name}`,
        compression: "zstd",
        files: { "var/lib/dpkg/status": statusFile([...base, purged, added]), ...purgedDocs },
      },
    ],
  };
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function scanFile(reference: string): Promise<Inventory> {
  const source = await openSource(reference);
  try {
    return await scanImage(source, { now: new Date(0) });
  } finally {
    await source.close();
  }
}

function checkDebianLayers(inventory: Inventory): void {
  const deb = inventory.packages.filter((pkg) => pkg.ecosystem === "deb");
  const layerOf = new Map(deb.map((pkg) => [`${pkg.name}@${pkg.version}`, pkg.layer.index]));
  assert.equal(deb.length, base.length + 2);
  for (const stanza of base) assert.equal(layerOf.get(`${stanza.name}@${stanza.version}`), 0, stanza.name);
  assert.equal(layerOf.get(`${added.name}@${added.version}`), 1, "installed in layer 1, untouched since");
  assert.equal(layerOf.get(`${purged.name}@${purged.version}`), 3, "purged in layer 2, reinstalled in layer 3");

  assert.deepEqual(
    inventory.layers.map((layer) => layer.createdBy),
    image.layers.map((layer) => layer.createdBy),
    "created-by maps past the empty ENV history entry",
  );
  for (const layer of inventory.layers) {
    assert.match(layer.diffId, /^sha256:[0-9a-f]{64}$/);
    assert.ok(layer.size > 0);
  }
  assert.equal(inventory.distro?.id, "debian");
  const sample = deb.find((pkg) => pkg.name === base[0]?.name);
  assert.match(sample?.purl ?? "", new RegExp(`^pkg:deb/debian/${base[0]?.name.replace(/[+.]/g, "\\$&")}@`));
  assert.equal(sample?.locations[0]?.path, "/var/lib/dpkg/status");
  assert.equal(sample?.locations[0]?.layer.index, 3, "the status file as it stands comes from layer 3");
  assert.deepEqual(inventory.issues, []);
}

test("docker-archive: dpkg packages carry the layer that introduced them", async (t) => {
  if (!stanzas || stanzas.length < 10) {
    t.skip("this machine has no dpkg database to build the image from");
    return;
  }
  const file = join(work, "debian.tar");
  await writeDockerArchive(image, file);
  const inventory = await scanFile(file);
  checkDebianLayers(inventory);
  assert.deepEqual(inventory.image.tags, ["strata-test/debian:layers"]);
  assert.equal(inventory.image.kind, "docker-archive");
});

test("OCI archive and OCI layout give the same packages and layers", async (t) => {
  if (!stanzas || stanzas.length < 10) {
    t.skip("this machine has no dpkg database to build the image from");
    return;
  }
  const archive = join(work, "debian-oci.tar");
  const layout = join(work, "debian-oci");
  await writeOciArchive(image, archive);
  await writeOciLayout(image, layout);
  const fromArchive = await scanFile(`oci-archive:${archive}`);
  const fromLayout = await scanFile(layout);
  checkDebianLayers(fromArchive);
  checkDebianLayers(fromLayout);
  const summary = (inventory: Inventory) => inventory.packages.map((pkg) => [pkg.purl, pkg.layer.index, pkg.licenses]);
  assert.deepEqual(summary(fromArchive), summary(fromLayout));
  assert.equal(fromLayout.image.kind, "oci-layout");
  assert.match(fromLayout.image.manifestDigest ?? "", /^sha256:/);
});
