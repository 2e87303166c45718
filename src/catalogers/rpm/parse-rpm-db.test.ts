import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { PackageDraft } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import type { Distro } from "../../model/distro.ts";
import type { PackageMetadata, RpmMetadata } from "../../model/package.ts";
import { rpmDb } from "./index.ts";
import { parseRpmDb } from "./parse-rpm-db.ts";
import { tagType } from "./rpm-header.ts";
import { berkeleyDb, ndb, packageHeader, rpmHeader, sqliteDb } from "./test-fixtures.ts";

const rhel = { id: "rhel", versionId: "9.2", idLike: ["fedora"] } satisfies Distro;

function rpm(metadata: PackageMetadata | undefined): RpmMetadata {
  assert.ok(metadata?.kind === "rpm");
  return metadata;
}

const bash = packageHeader({
  name: "bash",
  version: "5.1.8",
  release: "6.el9_1",
  arch: "x86_64",
  sourceRpm: "bash-5.1.8-6.el9_1.src.rpm",
  license: "GPLv3+",
  vendor: "Red Hat, Inc.",
  size: 7_738_634,
  provides: ["/bin/bash", "bash", "bash(x86-64)"],
});
const openssl = packageHeader({
  name: "openssl-libs",
  version: "3.0.7",
  release: "18.el9_2",
  epoch: 1,
  arch: "x86_64",
  sourceRpm: "openssl-3.0.7-18.el9_2.src.rpm",
  license: "ASL 2.0",
});
const gpgKey = packageHeader({ name: "gpg-pubkey", version: "fd431d51", release: "4ae0493b", license: "pubkey" });

const images = {
  bdb: berkeleyDb([bash, gpgKey, openssl]).bytes,
  "bdb big-endian": berkeleyDb([bash, gpgKey, openssl], { littleEndian: false }).bytes,
  ndb: ndb([bash, gpgKey, openssl]).bytes,
  sqlite: sqliteDb([bash, gpgKey, openssl]),
};

for (const [format, bytes] of Object.entries(images)) {
  test(`${format}: packages with their fields; the gpg-pubkey entry is left out`, () => {
    const { packages, issues } = parseRpmDb(bytes, rhel);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.purl, p.licenses]),
      [
        [
          "bash",
          "5.1.8-6.el9_1",
          "pkg:rpm/redhat/bash@5.1.8-6.el9_1?arch=x86_64&distro=rhel-9.2&upstream=bash-5.1.8-6.el9_1.src.rpm",
          ["GPLv3+"],
        ],
        [
          "openssl-libs",
          "1:3.0.7-18.el9_2",
          "pkg:rpm/redhat/openssl-libs@3.0.7-18.el9_2?arch=x86_64&distro=rhel-9.2&epoch=1&upstream=openssl-3.0.7-18.el9_2.src.rpm",
          ["ASL 2.0"],
        ],
      ],
    );
    assert.deepEqual(rpm(packages[0]?.metadata), {
      kind: "rpm",
      version: "5.1.8",
      release: "6.el9_1",
      arch: "x86_64",
      sourceRpm: "bash-5.1.8-6.el9_1.src.rpm",
      vendor: "Red Hat, Inc.",
      size: 7_738_634,
      provides: ["/bin/bash", "bash", "bash(x86-64)"],
      requires: [],
      database: format.startsWith("bdb") ? "bdb" : format,
    });
    assert.equal(rpm(packages[1]?.metadata).epoch, 1);
  });
}

test("purl namespace: the distro id with Syft's renames; none without a distro", () => {
  const purl = (distro: Distro | undefined): string | undefined => parseRpmDb(images.ndb, distro).packages[0]?.purl;
  assert.equal(
    purl(undefined),
    "pkg:rpm/bash@5.1.8-6.el9_1?arch=x86_64&upstream=bash-5.1.8-6.el9_1.src.rpm",
    "Syft's form without os-release",
  );
  assert.match(
    purl({ id: "opensuse-leap", versionId: "15.5", idLike: [] }) ?? "",
    /^pkg:rpm\/opensuse\/bash@.*distro=opensuse-leap-15.5/,
  );
  assert.match(purl({ id: "fedora", versionId: "39", idLike: [] }) ?? "", /^pkg:rpm\/fedora\/bash@.*distro=fedora-39/);
  assert.match(purl({ id: "amzn", idLike: [] }) ?? "", /^pkg:rpm\/amzn\/bash@.*distro=amzn&/);
});

test("'(none)' and empty values count as absent; a header without a release keeps its bare version", () => {
  const header = packageHeader({ name: "odd", version: "1.0", sourceRpm: "(none)", license: "", vendor: "(none)" });
  const { packages, issues } = parseRpmDb(ndb([header]).bytes, undefined);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.version, p.purl, p.licenses]),
    [["1.0", "pkg:rpm/odd@1.0", []]],
  );
  assert.deepEqual(rpm(packages[0]?.metadata), {
    kind: "rpm",
    version: "1.0",
    release: "",
    provides: [],
    requires: [],
    database: "ndb",
  });
});

test("modularity label, SIGMD5 and LONGSIZE are read", () => {
  const header = rpmHeader([
    { tag: 1000, type: tagType.string, value: "nodejs" },
    { tag: 1001, type: tagType.string, value: "18.14.2" },
    { tag: 1002, type: tagType.string, value: "3.module+el8.7.0+18288+d0c9f2a3" },
    { tag: 5096, type: tagType.string, value: "nodejs:18:8070020230306170042:ad008a3a" },
    { tag: 261, type: tagType.bin, value: Buffer.from("c1e561f13d39aee443a1f00258fba000", "hex") },
    { tag: 5009, type: tagType.int64, value: [6_000_000_000n] },
    { tag: 1049, type: tagType.stringArray, value: ["libc.so.6()(64bit)", "rtld(GNU_HASH)"] },
  ]);
  const metadata = rpm(parseRpmDb(sqliteDb([header]), undefined).packages[0]?.metadata);
  assert.equal(metadata.modularityLabel, "nodejs:18:8070020230306170042:ad008a3a");
  assert.equal(metadata.sigmd5, "c1e561f13d39aee443a1f00258fba000");
  assert.equal(metadata.size, 6_000_000_000);
  assert.deepEqual(metadata.requires, ["libc.so.6()(64bit)", "rtld(GNU_HASH)"]);
});

test("an index entry offset past the data store: an issue; the package is kept without that value", () => {
  const header = Buffer.from(bash);
  // The LICENSE entry is the 6th (name, version, release, size, vendor, license...).
  const licenseEntry = 8 + 5 * 16;
  assert.equal(header.readUInt32BE(licenseEntry), 1014);
  header.writeUInt32BE(0x7fffffff, licenseEntry + 8);
  const { packages, issues } = parseRpmDb(berkeleyDb([header, openssl]).bytes, undefined);
  assert.deepEqual(
    packages.map((p) => [p.name, p.licenses]),
    [
      ["bash", []],
      ["openssl-libs", ["ASL 2.0"]],
    ],
  );
  assert.deepEqual(issues, [
    "package header 1 (bash): tag 1014: string 1 of 1 starts past the data store (offset 2147483647)",
  ]);
});

test("a header without a name, or one that does not fit its blob: skipped with an issue, the others kept", () => {
  const nameless = rpmHeader([{ tag: 1001, type: tagType.string, value: "1.0" }]);
  const broken = Buffer.from(openssl);
  broken.writeUInt32BE(0x00ffffff, 4);
  const { packages, issues } = parseRpmDb(ndb([nameless, broken, bash]).bytes, undefined);
  assert.deepEqual(
    packages.map((p) => p.name),
    ["bash"],
  );
  assert.deepEqual(issues, [
    "package header 1 (no name): no NAME tag; skipped",
    `package header 2: header needs ${8 + 7 * 16 + 0xffffff} bytes (7 entries, 16777215 data bytes), blob has ${broken.length}; skipped`,
  ]);
});

test("a truncated database: an issue, and the packages before the cut are reported", () => {
  const db = berkeleyDb([bash, openssl]);
  const cut = db.bytes.subarray(0, ((db.chains[0]?.at(-1) ?? 0) + 1) * db.pageSize);
  const { packages, issues } = parseRpmDb(cut, undefined);
  assert.deepEqual(
    packages.map((p) => p.name),
    ["bash"],
  );
  assert.equal(issues.length, 2);
  assert.match(issues[0] ?? "", /truncated/);
});

test("provides and requires are capped per tag and per database", () => {
  const provides = (count: number): string[] => Array.from({ length: count }, () => "p");
  const tooMany = packageHeader({ name: "too-many", version: "1", provides: provides(100_001) });
  const full = Array.from({ length: 10 }, (_, i) =>
    packageHeader({ name: `full${i}`, version: "1", provides: provides(100_000) }),
  );
  const late = packageHeader({ name: "late", version: "1", provides: ["late"] });
  const { packages, issues } = parseRpmDb(ndb([tooMany, ...full, late]).bytes, undefined);
  assert.equal(packages.length, 12, "every package is still reported");
  assert.deepEqual(
    packages.map((p) => rpm(p.metadata).provides.length),
    [0, ...Array.from({ length: 10 }, () => 100_000), 0],
  );
  assert.deepEqual(issues, [
    "package header 1 (too-many): tag 1047: 100001 strings, more than the cap of 100000",
    "more than 1000000 provides and requires names; the lists beyond that are left empty",
  ]);
});

test("a file in no known format is an issue", () => {
  assert.deepEqual(parseRpmDb(Buffer.from("hello"), undefined), {
    packages: [],
    issues: ["not an rpm database (no SQLite, ndb or Berkeley DB magic)"],
  });
});

test("many problems are counted, not all listed", () => {
  const nameless = rpmHeader([{ tag: 1001, type: tagType.string, value: "1.0" }]);
  const { issues } = parseRpmDb(ndb(Array.from({ length: 30 }, () => nameless)).bytes, undefined);
  assert.equal(issues.length, 21);
  assert.equal(issues[20], "10 more problems");
});

test("the cataloger: database paths under /var/lib/rpm and /usr/lib/sysimage/rpm, not eager", async () => {
  const wanted = (path: string): boolean =>
    (rpmDb.wants.paths ?? []).includes(path) || (rpmDb.wants.globs ?? []).some((glob) => picomatch(glob)(path));
  for (const path of [
    "/var/lib/rpm/Packages",
    "/var/lib/rpm/Packages.db",
    "/var/lib/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
  ]) {
    assert.ok(wanted(path), path);
  }
  assert.ok(!wanted("/var/lib/rpm/Name"));
  assert.notEqual(rpmDb.eager, true);
  assert.ok((rpmDb.wants.maxBytes ?? 0) > defaultLimits.maxFileBytes);

  const layer = { index: 0, digest: "sha256:x", diffId: "sha256:x" };
  const view = { get: () => undefined, list: () => [] };
  const result = await rpmDb.parse(
    { path: "/var/lib/rpm/rpmdb.sqlite", layer, content: images.sqlite },
    { distro: rhel, view, limits: defaultLimits },
  );
  assert.deepEqual(
    result.packages.map((p: PackageDraft) => p.purl.split("?")[0]),
    ["pkg:rpm/redhat/bash@5.1.8-6.el9_1", "pkg:rpm/redhat/openssl-libs@3.0.7-18.el9_2"],
  );
});
