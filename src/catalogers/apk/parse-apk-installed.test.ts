import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultLimits } from "../../limits.ts";
import type { ApkMetadata, PackageMetadata } from "../../model/package.ts";
import { apkInstalled } from "./index.ts";
import { parseApkInstalled } from "./parse-apk-installed.ts";

const alpine319 = { id: "alpine", versionId: "3.19.1", idLike: [] };

const db = `C:Q1bTtF5526tETKfL+lnigzIDvm+2o=
P:musl-utils
V:1.1.24-r2
A:x86_64
S:37944
I:151552
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT BSD GPL2+
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1584790550
c:4024cc3b29ad4c65544ad068b8f59172b5494306
D:scanelf so:libc.musl-x86_64.so.1
p:cmd:getconf cmd:getent
F:sbin
R:ldconfig
a:0:0:755
Z:Q1Kja2+POZKxEkUOZqwSjC6kmaED4=

P:ada-libs
V:2.7.4-r0
A:x86_64
L:( Apache-2.0 OR MIT ) AND MPL-2.0
o:ada
D:
p:
`;

function apk(metadata: PackageMetadata | undefined): ApkMetadata {
  assert.ok(metadata?.kind === "apk");
  return metadata;
}

test("reads entries: fields, lists, file records ignored", () => {
  const { packages, issues } = parseApkInstalled(Buffer.from(db), alpine319);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version]),
    [
      ["musl-utils", "1.1.24-r2"],
      ["ada-libs", "2.7.4-r0"],
    ],
  );
  assert.deepEqual(apk(packages[0]?.metadata), {
    kind: "apk",
    origin: "musl",
    architecture: "x86_64",
    maintainer: "Timo Teräs <timo.teras@iki.fi>",
    url: "https://musl.libc.org/",
    description: "the musl c library (libc) implementation",
    checksum: "Q1bTtF5526tETKfL+lnigzIDvm+2o=",
    gitCommit: "4024cc3b29ad4c65544ad068b8f59172b5494306",
    size: 37944,
    installedSize: 151552,
    dependencies: ["scanelf", "so:libc.musl-x86_64.so.1"],
    provides: ["cmd:getconf", "cmd:getent"],
  });
  assert.deepEqual(apk(packages[1]?.metadata).dependencies, []);
  assert.deepEqual(apk(packages[1]?.metadata).provides, []);
});

test("licenses: raw tokens split on spaces, SPDX expressions kept whole (Syft's rule)", () => {
  const { packages } = parseApkInstalled(Buffer.from(db), undefined);
  assert.deepEqual(packages[0]?.licenses, ["MIT", "BSD", "GPL2+"]);
  assert.deepEqual(packages[1]?.licenses, ["( Apache-2.0 OR MIT ) AND MPL-2.0"]);
});

test("purl: distro qualifier when known, upstream when the origin differs, alpine by default", () => {
  const known = parseApkInstalled(Buffer.from(db), alpine319).packages;
  assert.equal(known[0]?.purl, "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.19.1&upstream=musl");
  const wolfi = parseApkInstalled(Buffer.from("P:musl\nV:1.2.4-r1\nA:aarch64\no:musl\n"), { id: "wolfi", idLike: [] });
  assert.equal(wolfi.packages[0]?.purl, "pkg:apk/wolfi/musl@1.2.4-r1?arch=aarch64&distro=wolfi");
  assert.equal(
    parseApkInstalled(Buffer.from(db), undefined).packages[1]?.purl,
    "pkg:apk/alpine/ada-libs@2.7.4-r0?arch=x86_64&upstream=ada",
  );
});

test("corrupt input: issues, and the entries that can be read", () => {
  const text =
    "this is a corrupt db\r\n\r\nP:no-version\r\nA:x86_64\r\n\r\nV:1.0\r\n\r\nP:good\r\nV:1.0-r0\r\nP:glued\r\nV:2.0-r0\r\n";
  const { packages, issues } = parseApkInstalled(Buffer.from(text), undefined);
  assert.deepEqual(
    packages.map((p) => `${p.name}@${p.version}`),
    ["good@1.0-r0", "glued@2.0-r0"],
  );
  assert.deepEqual(issues, [
    'line 1: expected "K:value"',
    "line 10: new package without a blank line before it",
    "package no-version: no version (V:), skipped",
    "entry at line 6: no package name (P:), skipped",
  ]);
  assert.deepEqual(parseApkInstalled(Buffer.alloc(0), undefined), { packages: [], issues: [] });
});

test("cataloger: reads the installed database", async () => {
  assert.ok(apkInstalled.wants.paths?.includes("/lib/apk/db/installed"));
  const layer = { index: 0, digest: "sha256:l", diffId: "sha256:l" };
  const result = await apkInstalled.parse(
    { path: "/lib/apk/db/installed", layer, content: Buffer.from(db) },
    { distro: alpine319, view: { get: () => undefined, list: () => [] }, limits: defaultLimits },
  );
  assert.equal(result.packages.length, 2);
});
