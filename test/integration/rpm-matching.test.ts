import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { zipSync } from "fflate";
import { matchInventory } from "../../src/match/match-inventory.ts";
import type { Distro } from "../../src/model/distro.ts";
import type { Finding } from "../../src/model/finding.ts";
import { type Inventory, inventorySchemaVersion } from "../../src/model/inventory.ts";
import type { Package } from "../../src/model/package.ts";
import { openVulnDatabase } from "../../src/vulndb/database.ts";
import { ecosystemsFor } from "../../src/vulndb/ecosystems-for.ts";
import { importOsvPath } from "../../src/vulndb/import-sources.ts";
import { osvZipUrl } from "../../src/vulndb/update.ts";

/**
 * RPM packages matched end to end: OSV records shaped as each distro publishes them, imported from
 * an osv.dev-style folder (`<Ecosystem>/all.zip`) into a real database file, and installed packages
 * shaped as the rpm cataloger reports them.
 */

const alma9: Distro = { id: "almalinux", versionId: "9.4", idLike: ["rhel", "centos", "fedora"] };
const alma8: Distro = { id: "almalinux", versionId: "8.10", idLike: ["rhel", "centos", "fedora"] };
const rocky9: Distro = { id: "rocky", versionId: "9.3", idLike: ["rhel", "centos", "fedora"] };
const rocky8: Distro = { id: "rocky", versionId: "8.9", idLike: ["rhel", "centos", "fedora"] };
const leap155: Distro = { id: "opensuse-leap", versionId: "15.5", idLike: ["suse", "opensuse"] };
const leap156: Distro = { id: "opensuse-leap", versionId: "15.6", idLike: ["suse", "opensuse"] };
const tumbleweed: Distro = { id: "opensuse-tumbleweed", versionId: "20240905", idLike: ["opensuse", "suse"] };
const sles155: Distro = { id: "sles", versionId: "15.5", idLike: ["suse"] };
const ubi9: Distro = { id: "rhel", versionId: "9.4", idLike: ["fedora"] };

/** AlmaLinux (AlmaLinux/osv-database): every binary RPM named, epoch only when there is one, CVEs in `related`. */
const alsaOpenssl = {
  id: "ALSA-2024:2447",
  summary: "Moderate: openssl security and bug fix update",
  affected: ["openssl", "openssl-devel", "openssl-libs", "openssl-perl"].map((name) => ({
    package: { ecosystem: "AlmaLinux:9", name },
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:3.0.7-27.el9" }] }],
  })),
  related: ["CVE-2023-2975", "CVE-2023-3446"],
  published: "2024-04-30T00:00:00Z",
  modified: "2024-05-06T09:41:12Z",
  details:
    "OpenSSL is a toolkit that implements the Secure Sockets Layer (SSL) and Transport Layer Security (TLS) protocols.",
  references: [
    { url: "https://access.redhat.com/errata/RHSA-2024:2447", type: "ADVISORY" },
    { url: "https://errata.almalinux.org/9/ALSA-2024-2447.html", type: "ADVISORY" },
  ],
};

const alsaOpenssl8 = {
  ...alsaOpenssl,
  id: "ALSA-2024:3501",
  affected: [
    {
      package: { ecosystem: "AlmaLinux:8", name: "openssl-libs" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.1.1k-12.el8_9" }] }],
    },
  ],
};

/** Rocky Linux (Apollo): the source RPM named, the epoch always written, CVEs in `upstream`. */
const rocky = (
  id: string,
  ecosystem: string,
  name: string,
  fixed: string,
  cves: string[],
): { id: string } & Record<string, unknown> => ({
  id,
  modified: "2024-06-12T04:19:55.139Z",
  published: "2024-06-11T12:00:00Z",
  upstream: cves,
  summary: `Moderate: ${name} security update`,
  details: `An update is available for ${name}.`,
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N" }],
  affected: [
    {
      package: {
        ecosystem,
        name,
        purl: `pkg:rpm/rocky-linux/${name}?distro=rocky-linux-9&epoch=0`,
      },
      ranges: [
        {
          type: "ECOSYSTEM",
          events: [{ introduced: "0" }, { fixed }],
          database_specific: { yum_repository: "BaseOS" },
        },
      ],
    },
  ],
  references: [{ type: "ADVISORY", url: `https://errata.rockylinux.org/${id}` }],
  credits: [{ name: "Rocky Enterprise Software Foundation" }, { name: "Red Hat" }],
  schema_version: "1.7.0",
});

const rlsaUtilLinux = rocky("RLSA-2024:3501", "Rocky Linux:9", "util-linux", "0:2.37.4-18.el9_4", ["CVE-2024-28085"]);
const rlsaUtilLinux8 = rocky("RLSA-2024:3502", "Rocky Linux:8", "util-linux", "0:2.32.1-46.el8_10", ["CVE-2024-28085"]);
const rlsaGolang = rocky("RLSA-2024:3600", "Rocky Linux:9", "golang", "0:1.21.0-1.el9", [
  "CVE-2023-29406",
  "CVE-2023-29409",
]);

/** SUSE and openSUSE (ftp.suse.com): the source RPM named per product, binaries listed beside it. */
const suseOpenssl = {
  id: "SUSE-SU-2024:3765-1",
  summary: "Security update for openssl-1_1",
  details: "This update for openssl-1_1 fixes the following issues: CVE-2024-9143.",
  modified: "2024-10-24T15:31:22Z",
  published: "2024-10-24T15:31:22Z",
  upstream: ["CVE-2024-9143"],
  related: ["CVE-2024-9143"],
  affected: ["SUSE:Linux Enterprise Module for Basesystem 15 SP5", "openSUSE:Leap 15.5"].map((ecosystem) => ({
    package: {
      ecosystem,
      name: "openssl-1_1",
      purl: `pkg:rpm/suse/openssl-1_1&distro=${encodeURIComponent(ecosystem.slice(ecosystem.indexOf(":") + 1))}`,
    },
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.1.1l-150500.17.37.1" }] }],
    ecosystem_specific: {
      binaries: [{ "libopenssl-1_1-devel": "1.1.1l-150500.17.37.1", libopenssl1_1: "1.1.1l-150500.17.37.1" }],
    },
  })),
  references: [
    { type: "ADVISORY", url: "https://www.suse.com/support/update/announcement/2024/suse-su-20243765-1/" },
    { type: "WEB", url: "https://www.suse.com/security/cve/CVE-2024-9143" },
  ],
};

const tumbleweedCurl = {
  id: "openSUSE-SU-2024:14314-1",
  summary: "curl-8.10.0-1.1 on GA media",
  details: "These are all security issues fixed in the curl-8.10.0-1.1 package on the GA media of openSUSE Tumbleweed.",
  modified: "2024-09-12T00:00:00Z",
  published: "2024-09-12T00:00:00Z",
  upstream: ["CVE-2024-8096"],
  related: ["CVE-2024-8096"],
  affected: [
    {
      package: {
        ecosystem: "openSUSE:Tumbleweed",
        name: "curl",
        purl: "pkg:rpm/opensuse/curl&distro=openSUSE%20Tumbleweed",
      },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "8.10.0-1.1" }] }],
      ecosystem_specific: { binaries: [{ curl: "8.10.0-1.1", libcurl4: "8.10.0-1.1" }] },
    },
  ],
  references: [{ type: "ADVISORY", url: "https://www.suse.com/security/cve/CVE-2024-8096" }],
};

let work = "";
let database = "";

async function writeZip(folder: string, records: readonly { id: unknown }[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  const files = Object.fromEntries(
    records.map((record) => [`${String(record.id)}.json`, new TextEncoder().encode(JSON.stringify(record))]),
  );
  await writeFile(join(folder, "all.zip"), zipSync(files));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-rpm-matching-"));
  const bucket = join(work, "osv");
  await writeZip(join(bucket, "AlmaLinux"), [alsaOpenssl, alsaOpenssl8]);
  await writeZip(join(bucket, "Rocky Linux"), [rlsaUtilLinux, rlsaUtilLinux8, rlsaGolang]);
  await writeZip(join(bucket, "openSUSE"), [suseOpenssl, tumbleweedCurl]);
  await writeZip(join(bucket, "SUSE"), [suseOpenssl]);
  database = join(work, "osv.sqlite");
  const db = openVulnDatabase(database);
  try {
    const stats = await importOsvPath(db, bucket);
    assert.deepEqual(stats.map((one) => [one.source, one.imported + one.unchanged, one.invalid]).sort(), [
      ["AlmaLinux", 2, 0],
      ["Rocky Linux", 3, 0],
      ["SUSE", 1, 0],
      ["openSUSE", 2, 0],
    ]);
  } finally {
    db.close();
  }
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Installed {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  /** The source package's file name; absent for packages such as gpg-pubkey. */
  sourceRpm?: string;
}

const layer = { index: 0, digest: "sha256:0", diffId: "sha256:0" };

/** A package as the rpm cataloger reports it: version "[epoch:]version-release". */
function rpm(installed: Installed): Package {
  const versionRelease = `${installed.version}-${installed.release}`;
  const version = installed.epoch === undefined ? versionRelease : `${installed.epoch}:${versionRelease}`;
  return {
    id: `rpm:${installed.name}@${version}`,
    name: installed.name,
    version,
    ecosystem: "rpm",
    purl: `pkg:rpm/${installed.name}@${versionRelease}`,
    licenses: [],
    foundBy: "rpm-db",
    layer,
    locations: [{ path: "/var/lib/rpm/rpmdb.sqlite", layer }],
    metadata: {
      kind: "rpm",
      version: installed.version,
      release: installed.release,
      ...(installed.epoch === undefined ? {} : { epoch: installed.epoch }),
      arch: "x86_64",
      ...(installed.sourceRpm === undefined ? {} : { sourceRpm: installed.sourceRpm }),
      provides: [],
      requires: [],
      database: "sqlite",
    },
  };
}

function inventory(distro: Distro, packages: Package[]): Inventory {
  return {
    schemaVersion: inventorySchemaVersion,
    scanner: { name: "strata", version: "test" },
    scannedAt: "2024-11-01T00:00:00Z",
    image: { kind: "oci-layout", reference: "test", tags: [] },
    distro,
    layers: [],
    packages,
    issues: [],
  };
}

function findingsOf(distro: Distro, packages: Package[]): Finding[] {
  const report = matchInventory(inventory(distro, packages), database);
  assert.ok(report?.vulnerabilities, "the database exists");
  return report.vulnerabilities.findings;
}

/** "id@package installed → fixed" per finding, sorted. */
const summary = (distro: Distro, packages: Package[]): string[] =>
  findingsOf(distro, packages)
    .map(
      (finding) =>
        `${finding.id}@${finding.packageName} ${finding.installedVersion} → ${finding.fixedVersions.join(",")}`,
    )
    .sort();

const opensslLibs = (version: string, release: string, epoch?: number): Package =>
  rpm({
    name: "openssl-libs",
    version,
    release,
    ...(epoch === undefined ? {} : { epoch }),
    sourceRpm: `openssl-${version}-${release}.src.rpm`,
  });

test("AlmaLinux: binary packages are looked up by their own name, with their epoch", () => {
  assert.deepEqual(summary(alma9, [opensslLibs("3.0.7", "25.el9_3", 1)]), [
    "ALSA-2024:2447@openssl-libs 1:3.0.7-25.el9_3 → 1:3.0.7-27.el9",
  ]);
  const findings = findingsOf(alma9, [opensslLibs("3.0.7", "25.el9_3", 1)]);
  assert.equal(findings[0]?.detection, "os");
  assert.deepEqual(findings[0]?.advisories, ["ALSA-2024:2447"]);
  assert.deepEqual(summary(alma9, [opensslLibs("3.0.7", "27.el9", 1)]), [], "the fixed build");
  assert.deepEqual(summary(alma9, [opensslLibs("3.0.7", "28.el9_4", 1)]), [], "a later build");
  // Epoch 2 outranks the fix's epoch 1 whatever the version; ignoring it would report 1.0 < 3.0.7.
  assert.deepEqual(summary(alma9, [opensslLibs("1.0.0", "1.el9", 2)]), []);
  // No EPOCH tag is epoch 0, below the fix's 1, as rpm orders them.
  assert.deepEqual(summary(alma9, [opensslLibs("3.1.0", "1.el9")]), [
    "ALSA-2024:2447@openssl-libs 3.1.0-1.el9 → 1:3.0.7-27.el9",
  ]);
});

test("AlmaLinux: a binary the advisory does not list is not matched through its source package", () => {
  const fips = rpm({
    name: "openssl-fips-provider",
    version: "3.0.7",
    release: "25.el9_3",
    epoch: 1,
    sourceRpm: "openssl-3.0.7-25.el9_3.src.rpm",
  });
  assert.deepEqual(summary(alma9, [fips]), []);
});

test("AlmaLinux: each release reads its own advisories", () => {
  assert.deepEqual(summary(alma8, [opensslLibs("3.0.7", "25.el9_3", 1)]), [], "AlmaLinux:8's fix is older");
  assert.deepEqual(summary(alma8, [opensslLibs("1.1.1k", "9.el8_7", 1)]), [
    "ALSA-2024:3501@openssl-libs 1:1.1.1k-9.el8_7 → 1:1.1.1k-12.el8_9",
  ]);
});

const utilLinuxBinary = (name: string, release: string): Package =>
  rpm({ name, version: "2.37.4", release, sourceRpm: `util-linux-2.37.4-${release}.src.rpm` });

test("Rocky Linux: binary packages are looked up by their source package, CVE first", () => {
  assert.deepEqual(
    summary(rocky9, [utilLinuxBinary("libblkid", "15.el9"), utilLinuxBinary("util-linux-core", "15.el9")]),
    [
      "CVE-2024-28085@libblkid 2.37.4-15.el9 → 0:2.37.4-18.el9_4",
      "CVE-2024-28085@util-linux-core 2.37.4-15.el9 → 0:2.37.4-18.el9_4",
    ],
  );
  const [finding] = findingsOf(rocky9, [utilLinuxBinary("libblkid", "15.el9")]);
  assert.deepEqual(finding?.aliases, ["RLSA-2024:3501"]);
  assert.equal(finding?.severity.rating, "medium");
});

test("Rocky Linux: release ordering, el9_3 below el9_4, and the epoch the records always write", () => {
  assert.deepEqual(summary(rocky9, [utilLinuxBinary("libblkid", "18.el9_3")]), [
    "CVE-2024-28085@libblkid 2.37.4-18.el9_3 → 0:2.37.4-18.el9_4",
  ]);
  assert.deepEqual(summary(rocky9, [utilLinuxBinary("libblkid", "18.el9_4")]), [], "the fix, written without epoch 0");
  assert.deepEqual(summary(rocky9, [utilLinuxBinary("libblkid", "18.el9_4.1")]), []);
});

test("Rocky Linux: a subpackage with a version of its own is compared as the source it was built from", () => {
  // util-linux's source builds a subpackage versioned 9.1 (as perl builds perl-Errno 1.28 from perl 5.32).
  const ownVersion = (release: string): Package =>
    rpm({ name: "util-linux-extra", version: "9.1", release, sourceRpm: `util-linux-2.37.4-${release}.src.rpm` });
  assert.deepEqual(summary(rocky9, [ownVersion("15.el9")]), [
    "CVE-2024-28085@util-linux-extra 9.1-15.el9 → 0:2.37.4-18.el9_4",
  ]);
  assert.deepEqual(summary(rocky9, [ownVersion("18.el9_4")]), [], "built from the fixed source");
});

test("Rocky Linux: a tilde version sorts below its release", () => {
  const golang = (version: string): Package =>
    rpm({ name: "golang-bin", version, release: "1.el9", sourceRpm: `golang-${version}-1.el9.src.rpm` });
  const found = summary(rocky9, [golang("1.21.0~rc2")]);
  assert.equal(found.length, 1);
  assert.match(found[0] ?? "", /^RLSA-2024:3600@golang-bin 1\.21\.0~rc2-1\.el9 → 0:1\.21\.0-1\.el9$/);
  assert.deepEqual(summary(rocky9, [golang("1.21.0")]), []);
});

test("Rocky Linux: another release's advisory does not match, and a package without a source RPM uses its name", () => {
  assert.deepEqual(summary(rocky8, [utilLinuxBinary("libblkid", "15.el9")]), [], "Rocky Linux:8's fix is older");
  assert.deepEqual(
    summary(rocky8, [
      rpm({ name: "libblkid", version: "2.32.1", release: "44.el8", sourceRpm: "util-linux-2.32.1-44.el8.src.rpm" }),
    ]),
    ["CVE-2024-28085@libblkid 2.32.1-44.el8 → 0:2.32.1-46.el8_10"],
  );
  const utilLinux = rpm({ name: "util-linux", version: "2.37.4", release: "15.el9" });
  assert.deepEqual(summary(rocky9, [utilLinux]), ["CVE-2024-28085@util-linux 2.37.4-15.el9 → 0:2.37.4-18.el9_4"]);
});

const libopenssl = (release: string): Package =>
  rpm({ name: "libopenssl1_1", version: "1.1.1l", release, sourceRpm: `openssl-1_1-1.1.1l-${release}.src.rpm` });

test("openSUSE Leap: binary packages are looked up by their source package in their release", () => {
  assert.deepEqual(summary(leap155, [libopenssl("150500.17.34.1")]), [
    "CVE-2024-9143@libopenssl1_1 1.1.1l-150500.17.34.1 → 1.1.1l-150500.17.37.1",
  ]);
  assert.deepEqual(summary(leap155, [libopenssl("150500.17.37.1")]), []);
  assert.deepEqual(summary(leap156, [libopenssl("150500.17.34.1")]), [], "no advisory for Leap 15.6");
});

test("openSUSE Tumbleweed reads openSUSE:Tumbleweed", () => {
  const libcurl = (version: string): Package =>
    rpm({ name: "libcurl4", version, release: "1.1", sourceRpm: `curl-${version}-1.1.src.rpm` });
  assert.deepEqual(summary(tumbleweed, [libcurl("8.9.1")]), ["CVE-2024-8096@libcurl4 8.9.1-1.1 → 8.10.0-1.1"]);
  assert.deepEqual(summary(tumbleweed, [libcurl("8.10.0")]), []);
});

test("distros whose advisories are not keyed by what os-release says get no RPM findings", () => {
  assert.deepEqual(summary(sles155, [libopenssl("150500.17.34.1")]), [], "SUSE Linux Enterprise: left out");
  assert.deepEqual(summary(ubi9, [opensslLibs("3.0.7", "25.el9_3", 1)]), [], "Red Hat: left out");
});

test("an RPM image's database update fetches its distro's zip", () => {
  const ecosystems = (distro: Distro, pkg: Package): string[] => ecosystemsFor({ distro, packages: [pkg] });
  assert.deepEqual(ecosystems(alma9, opensslLibs("3.0.7", "25.el9_3", 1)), ["AlmaLinux"]);
  assert.deepEqual(ecosystems(rocky9, utilLinuxBinary("libblkid", "15.el9")), ["Rocky Linux"]);
  assert.deepEqual(ecosystems(leap155, libopenssl("150500.17.34.1")), ["openSUSE"]);
  assert.deepEqual(ecosystems(tumbleweed, libopenssl("150500.17.34.1")), ["openSUSE"]);
  assert.deepEqual(ecosystems(ubi9, opensslLibs("3.0.7", "25.el9_3", 1)), []);
  assert.equal(osvZipUrl("https://osv.example", "Rocky Linux"), "https://osv.example/Rocky%20Linux/all.zip");
});
