import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { CollectedFile, FileView } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import type { DpkgMetadata, PackageMetadata } from "../../model/package.ts";
import { dpkgStatus } from "./index.ts";
import { parseDpkgStatus } from "./parse-dpkg-status.ts";

const bookworm = { id: "debian", versionId: "12", idLike: [] };

function parse(text: string, options: Partial<Parameters<typeof parseDpkgStatus>[1]> = {}) {
  return parseDpkgStatus(Buffer.from(text), { database: "dpkg", distro: undefined, ...options });
}

function dpkg(metadata: PackageMetadata | undefined): DpkgMetadata {
  assert.ok(metadata?.kind === "dpkg");
  return metadata;
}

const libselinux = `Package: libselinux1
Status: install ok installed
Installed-Size: 223
Maintainer: Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>
Architecture: arm64
Source: libselinux (3.4-1)
Version: 3.4-1+b6
Depends: libc6 (>= 2.34),
 libpcre2-8-0 (>= 10.22)
Description: SELinux runtime shared libraries
 This package provides the shared libraries.
`;

test("reads a stanza: source with version, continuation lines, lists", () => {
  const { packages, issues } = parse(libselinux, { distro: bookworm });
  assert.deepEqual(issues, []);
  assert.equal(packages.length, 1);
  const [pkg] = packages;
  assert.ok(pkg);
  assert.equal(pkg.name, "libselinux1");
  assert.equal(pkg.version, "3.4-1+b6");
  assert.equal(pkg.purl, "pkg:deb/debian/libselinux1@3.4-1+b6?arch=arm64&distro=debian-12&upstream=libselinux%403.4-1");
  assert.deepEqual(dpkg(pkg.metadata), {
    kind: "dpkg",
    source: "libselinux",
    sourceVersion: "3.4-1",
    architecture: "arm64",
    maintainer: "Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>",
    installedSize: 223,
    provides: [],
    depends: ["libc6 (>= 2.34)", "libpcre2-8-0 (>= 10.22)"],
    preDepends: [],
    database: "dpkg",
  });
});

test("purl: epoch kept, upstream only when the source differs, namespace from the distro", () => {
  const text =
    "Package: libgmp10\nVersion: 2:6.2.1+dfsg1-1.1\nArchitecture: amd64\n\nPackage: bash\nSource: bash\nVersion: 5.2-1\nArchitecture: amd64\n";
  const ubuntu = { id: "ubuntu", versionId: "24.04", idLike: ["debian"] };
  assert.deepEqual(
    parse(text, { distro: ubuntu }).packages.map((p) => p.purl),
    [
      "pkg:deb/ubuntu/libgmp10@2:6.2.1+dfsg1-1.1?arch=amd64&distro=ubuntu-24.04",
      "pkg:deb/ubuntu/bash@5.2-1?arch=amd64&distro=ubuntu-24.04",
    ],
  );
  assert.equal(parse(text).packages[0]?.purl, "pkg:deb/debian/libgmp10@2:6.2.1+dfsg1-1.1?arch=amd64");
});

test("only installed packages are reported", () => {
  const statuses = [
    ["a", "install ok installed"],
    ["b", "hold ok installed"],
    ["c", "install ok triggers-pending"],
    ["d", "deinstall ok config-files"],
    ["e", "install reinstreq half-installed"],
    ["f", "purge ok not-installed"],
    ["g", "deinstall ok installed"],
  ];
  const text = statuses.map(([name, status]) => `Package: ${name}\nStatus: ${status}\nVersion: 1\n`).join("\n");
  assert.deepEqual(
    parse(text).packages.map((p) => p.name),
    ["a", "b", "c"],
  );
  // Distroless status.d entries have no Status field.
  assert.deepEqual(
    parse("Package: libc6\nVersion: 2.36\n").packages.map((p) => p.name),
    ["libc6"],
  );
});

test("Installed-Size: bare numbers as written, units as Syft converts them, garbage is an issue", () => {
  const sizes = (value: string) => parse(`Package: p\nVersion: 1\nInstalled-Size: ${value}\n`);
  assert.equal(dpkg(sizes("1016").packages[0]?.metadata).installedSize, 1016);
  assert.equal(dpkg(sizes("4KB").packages[0]?.metadata).installedSize, 4000);
  assert.equal(dpkg(sizes("2 KiB").packages[0]?.metadata).installedSize, 2048);
  const bad = sizes("lots");
  assert.equal(dpkg(bad.packages[0]?.metadata).installedSize, undefined);
  assert.match(bad.issues[0] ?? "", /Installed-Size "lots"/);
});

test("stanzas without a package name are skipped; a missing version is kept empty", () => {
  const { packages, issues } = parse("Package:\n\nPackage: no-version\n\n\n\nPackage: x\nVersion: 1\n");
  assert.deepEqual(
    packages.map((p) => [p.name, p.version]),
    [
      ["no-version", ""],
      ["x", "1"],
    ],
  );
  assert.deepEqual(issues, []);
});

test("opkg: the License field gives the licenses, and no vendor is guessed", () => {
  const text =
    "Package: kmods\nVersion: 6.6.0-r0\nStatus: install user installed\nArchitecture: x86_64\nLicense: GPL-2.0 BSD-3-Clause\n\n" +
    "Package: curl\nVersion: 8.5.0-r0\nStatus: install user installed\nLicense: Apache-2.0 OR MIT\n";
  const { packages } = parse(text, { database: "opkg" });
  assert.deepEqual(
    packages.map((p) => p.licenses),
    [["GPL-2.0", "BSD-3-Clause"], ["Apache-2.0 OR MIT"]],
  );
  assert.equal(packages[0]?.purl, "pkg:deb/kmods@6.6.0-r0?arch=x86_64");
  assert.equal(dpkg(packages[0].metadata).database, "opkg");
});

test("licenses come from the package's copyright file", () => {
  const copyright = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: GPL-2+

License: GPL-2+
 On Debian systems, see /usr/share/common-licenses/GPL-2.
`;
  const asked: string[] = [];
  const { packages } = parse(libselinux, {
    copyright: (name) => {
      asked.push(name);
      return Buffer.from(copyright);
    },
  });
  assert.deepEqual(asked, ["libselinux1"]);
  assert.deepEqual(packages[0]?.licenses, ["GPL-2+", "GPL-2"]);
});

test("malformed input: partial results and issues, never a throw", () => {
  const text =
    " orphan continuation\nPackage: ok\nVersion: 1\nVersion: 2\n continued duplicate\nthis line has no field\n\nPackage: next\nVersion: 3\n";
  const { packages, issues } = parse(text);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version]),
    [
      ["ok", "1"],
      ["next", "3"],
    ],
  );
  assert.deepEqual(issues, [
    "line 1: continuation line outside a field",
    'line 4: duplicate field "Version" (first value kept)',
    'line 6: expected "Field: value"',
  ]);
  const garbage = parse(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)).toString("latin1"));
  assert.ok(garbage.issues.length <= 21);
});

const layer = { index: 0, digest: "sha256:l", diffId: "sha256:l" };

function viewOf(files: Record<string, string>): FileView {
  const toFile = (path: string, text: string): CollectedFile => ({ path, layer, content: Buffer.from(text) });
  return {
    get: (path) => (files[path] === undefined ? undefined : toFile(path, files[path])),
    list: (dir) =>
      Object.entries(files)
        .filter(([path]) => path.startsWith(`${dir}/`))
        .map(([path, text]) => toFile(path, text)),
  };
}

test("cataloger: status.d sidecar files are not parsed; copyright is read through the view", async () => {
  const view = viewOf({ "/usr/share/doc/libc6/copyright": "See /usr/share/common-licenses/LGPL-2.1 for details.\n" });
  const ctx = { distro: bookworm, view, limits: defaultLimits };
  const run = (path: string, text: string) => dpkgStatus.parse({ path, layer, content: Buffer.from(text) }, ctx);
  assert.deepEqual(await run("/var/lib/dpkg/status.d/libc6.md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n"), {
    packages: [],
    issues: [],
  });
  const result = await run(
    "/var/lib/dpkg/status.d/libc6",
    "Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nSource: glibc\n",
  );
  assert.deepEqual(result.packages[0]?.licenses, ["LGPL-2.1"]);
  assert.equal(result.packages[0].purl, "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc");
  const opkg = await run("/usr/lib/opkg/status", "Package: busybox\nVersion: 1.36\nLicense: GPL-2.0-only\n");
  assert.equal(dpkg(opkg.packages[0]?.metadata).database, "opkg");
});

test("cataloger: declared files match the databases and copyright files", () => {
  const { paths = [], globs = [], context } = dpkgStatus.wants;
  const wanted = (path: string) => paths.includes(path) || globs.some((glob) => picomatch(glob, { dot: true })(path));
  assert.ok(wanted("/var/lib/dpkg/status"));
  assert.ok(wanted("/var/lib/dpkg/status.d/libsqlite3-0"));
  assert.ok(wanted("/var/lib/opkg/status"));
  assert.ok(!wanted("/var/lib/dpkg/status-old"));
  assert.ok((context?.globs ?? []).some((glob) => picomatch(glob)("/usr/share/doc/libc6/copyright")));
});
