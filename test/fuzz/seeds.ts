/**
 * Fixtures the fuzzer mutates: the peers' conformance inputs (../shared/conformance, read relative to
 * the repository) and files built the way the catalogers' own tests build them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync, gzipSync } from "node:zlib";
import { compress as zstdCompress } from "zstd-napi";
import { berkeleyDb, ndb, packageHeader, sqliteDb } from "../../src/catalogers/rpm/test-fixtures.ts";
import { buildElf, buildFat, buildMachO, buildPe } from "../../src/catalogers/rust/synthetic-executables.ts";
import { dpkgStatus, gnuSparseEntry, paxEntry, rawTar } from "../hostile/hostile-image.ts";
import { eggOf, jarOf, wheelOf, zipOf } from "../hostile/hostile-zip.ts";
import { tarOf } from "../image-builder/index.ts";

const conformanceRoot = fileURLToPath(new URL("../../../shared/conformance/", import.meta.url));

/** Files under shared/conformance/<ecosystem> whose path there matches `pattern` (none when it is absent). */
export function conformanceFiles(ecosystem: string, pattern: RegExp): Buffer[] {
  const root = join(conformanceRoot, ecosystem);
  if (!existsSync(root)) return [];
  const out: Buffer[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name !== "cases.json" && pattern.test(relative(root, path))) out.push(readFileSync(path));
    }
  };
  visit(root);
  return out;
}

const text = (...texts: string[]): Buffer[] => texts.map((value) => Buffer.from(value));

export const packageLocks = text(
  JSON.stringify({
    name: "app",
    lockfileVersion: 3,
    packages: {
      "": { name: "app", version: "1.0.0", dependencies: { a: "^1" } },
      "node_modules/a": { version: "1.0.0", resolved: "https://registry.example/a/-/a-1.0.0.tgz", license: "MIT" },
      "node_modules/a/node_modules/b": { version: "2.0.0", dev: true },
      "node_modules/c": { resolved: "packages/c", link: true },
    },
  }),
  JSON.stringify({
    name: "app",
    lockfileVersion: 1,
    dependencies: {
      a: {
        version: "1.0.0",
        integrity: "sha512-AA==",
        requires: { b: "^2" },
        dependencies: { b: { version: "2.0.0" } },
      },
      c: { version: "file:../c" },
    },
  }),
);

export const yarnLocks = text(
  `# yarn lockfile v1\n\n"a@^1.0.0", a@^1.1.0:\n  version "1.2.0"\n  resolved "https://registry.example/a/-/a-1.2.0.tgz#abc"\n  dependencies:\n    b "^2"\n\nb@^2:\n  version "2.0.1"\n`,
  `__metadata:\n  version: 6\n  cacheKey: 8\n\n"a@npm:^1.0.0":\n  version: 1.2.0\n  resolution: "a@npm:1.2.0"\n  dependencies:\n    b: ^2\n  languageName: node\n  linkType: hard\n\n"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n  languageName: unknown\n  linkType: soft\n`,
);

export const pnpmLocks = text(
  `lockfileVersion: '6.0'\n\ndependencies:\n  a:\n    specifier: ^1.0.0\n    version: 1.2.0\n\npackages:\n\n  /a@1.2.0:\n    resolution: {integrity: sha512-AA==}\n    dependencies:\n      b: 2.0.0\n    dev: false\n\n  /b@2.0.0(c@1.0.0):\n    resolution: {integrity: sha512-BB==}\n    dev: true\n`,
  `lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.2.0\n\npackages:\n\n  a@1.2.0:\n    resolution: {integrity: sha512-AA==}\n\nsnapshots:\n\n  a@1.2.0:\n    dependencies:\n      b: 2.0.0\n`,
);

export const cargoLocks = text(
  `version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = ["serde"]\n\n[[package]]\nname = "serde"\nversion = "1.0.200"\nsource = "registry+https://index.example/"\nchecksum = "ab"\n`,
);

export const composerLocks = text(
  JSON.stringify({
    packages: [{ name: "monolog/monolog", version: "2.9.1", license: ["MIT"], require: { php: ">=7.2" } }],
    "packages-dev": [{ name: "phpunit/phpunit", version: "9.6.0" }],
  }),
);

export const composerInstalled = text(
  JSON.stringify({ packages: [{ name: "psr/log", version: "1.1.4", type: "library", license: ["MIT"] }] }),
);

export const gemspecs = text(
  `# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = "rake".freeze\n  s.version = "13.0.6"\n  s.licenses = ["MIT".freeze]\n  s.authors = ["Hiroshi SHIBATA".freeze, %q{Eric Hodel}]\n  s.files = %w[a b c]\n  s.add_runtime_dependency(%q<x>.freeze, [">= 0"])\nend\n`,
);

export const depsJsons = text(
  JSON.stringify({
    runtimeTarget: { name: ".NETCoreApp,Version=v6.0" },
    targets: { ".NETCoreApp,Version=v6.0": { "app/1.0.0": { dependencies: { "Newtonsoft.Json": "13.0.1" } } } },
    libraries: {
      "app/1.0.0": { type: "project", serviceable: false, sha512: "" },
      "Newtonsoft.Json/13.0.1": {
        type: "package",
        serviceable: true,
        sha512: "sha512-AA==",
        path: "newtonsoft.json/13.0.1",
      },
    },
  }),
);

export const nugetLocks = text(
  JSON.stringify({
    version: 1,
    dependencies: { "net6.0": { "Newtonsoft.Json": { type: "Direct", requested: "[13.0.1, )", resolved: "13.0.1" } } },
  }),
);

export const packagesConfigs = text(
  `<?xml version="1.0" encoding="utf-8"?>\n<packages>\n  <package id="Newtonsoft.Json" version="13.0.1" targetFramework="net48" />\n  <package id="NUnit" version="3.13.3" developmentDependency="true" />\n</packages>\n`,
);

export const nuspecs = text(
  `<?xml version="1.0"?>\n<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">\n  <metadata>\n    <id>Newtonsoft.Json</id>\n    <version>13.0.1</version>\n    <license type="expression">MIT</license>\n  </metadata>\n</package>\n`,
);

export const pythonMetadata = text(
  "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nRequires-Dist: idna (<4,>=2.5)\nClassifier: License :: OSI Approved :: Apache Software License\n\nbody\n",
);

export const apkDatabases = text(
  "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\nT:the musl c library\no:musl\nD:so:libc.musl\n\nP:busybox\nV:1.36.1-r5\nL:GPL-2.0-only\n\n",
);

export function dpkgDatabases(): Buffer[] {
  return [
    Buffer.from(dpkgStatus("base-files", "libc6")),
    Buffer.from(
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\nSource: glibc (2.36-9)\nDepends: libgcc-s1\nDescription: GNU C Library\n multi\n .\n line\n",
    ),
  ];
}

export const copyrights = text(
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2020 Someone\nLicense: GPL-2+ or MIT\n\nLicense: MIT\n text\n",
);

/** Go build info in the Go 1.18+ inline form: the contents of a `.go.buildinfo` section. */
export function goBuildInfo(): Buffer {
  const varint = (n: number): Buffer => {
    const bytes: number[] = [];
    let rest = n;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    bytes.push(rest);
    return Buffer.from(bytes);
  };
  const sentinel = Buffer.alloc(16, 0x30);
  const modinfo = Buffer.concat([
    sentinel,
    Buffer.from(
      'path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.14.0\th1:AA=\n=>\t../text\t\t\nbuild\tGOOS=linux\nbuild\tGOARCH=amd64\nbuild\t-ldflags="-X main.version=1.2.3"\n',
    ),
    sentinel,
  ]);
  const goVersion = Buffer.from("go1.22.1");
  const header = Buffer.alloc(32);
  header.write("\xff Go buildinf:", 0, "latin1");
  header[14] = 8;
  header[15] = 2;
  return Buffer.concat([header, varint(goVersion.length), goVersion, varint(modinfo.length), modinfo]);
}

/** The build info in ELF (64- and 32-bit), Mach-O and PE executables. */
export function goBinaries(): Buffer[] {
  const blob = goBuildInfo();
  return [
    buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".go.buildinfo", data: blob }] }),
    buildElf({ bits: 32, littleEndian: false, sections: [{ name: ".go.buildinfo", data: blob }] }),
    buildMachO({ bits: 64, littleEndian: true, sections: [{ name: "__go_buildinfo", segment: "__DATA", data: blob }] }),
    buildPe({ bits: 64, sections: [{ name: ".data", data: blob }] }),
  ];
}

export function auditableBinaries(): Buffer[] {
  const audit = deflateSync(
    JSON.stringify({
      packages: [
        { name: "app", version: "0.1.0", source: "local", dependencies: [1], root: true },
        { name: "serde", version: "1.0.200", source: "crates.io", dependencies: [] },
        { name: "cc", version: "1.0.0", source: "crates.io", kind: "build" },
      ],
    }),
  );
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: audit }] });
  const macho = buildMachO({
    bits: 64,
    littleEndian: true,
    sections: [{ name: ".dep-v0", segment: "__DATA", data: audit }],
  });
  return [
    elf,
    buildPe({ bits: 32, sections: [{ name: ".dep-v0", data: audit }] }),
    macho,
    buildFat([macho, buildMachO({ bits: 32, littleEndian: false, sections: [{ name: ".dep-v0", data: audit }] })]),
  ];
}

export function rpmDatabases(): Buffer[] {
  const headers = [
    packageHeader({ name: "bash", version: "5.2", release: "1", arch: "x86_64", license: "GPLv3+", provides: ["sh"] }),
    packageHeader({ name: "gpg-pubkey", version: "1", release: "2" }),
  ];
  return [
    sqliteDb(headers),
    berkeleyDb(headers).bytes,
    berkeleyDb(headers, { littleEndian: false }).bytes,
    ndb(headers).bytes,
  ];
}

export function javaArchives(): Buffer[] {
  const inner = jarOf("org.inner", "inner", "2.0");
  return [
    jarOf("org.example", "app", "1.0", [
      {
        name: "META-INF/maven/org.example/app/pom.xml",
        data: "<project><licenses><license><name>MIT</name></license></licenses></project>",
      },
      { name: "LICENSE", data: "MIT License\n\nPermission is hereby granted" },
      { name: "WEB-INF/lib/inner-2.0.jar", data: inner, method: 0 },
      { name: "lib/deflated-2.0.jar", data: inner },
    ]),
    zipOf([
      {
        name: "META-INF/MANIFEST.MF",
        data: "Manifest-Version: 1.0\r\nImplementation-Title: x\r\nImplementation-Version: 3\r\nBundle-License: Apache-2.0\r\n\r\n",
      },
    ]),
  ];
}

export function pythonArchives(): Buffer[] {
  return [
    wheelOf("requests", "2.31.0", [{ name: "requests-2.31.0.dist-info/top_level.txt", data: "requests\n" }]),
    eggOf("kitchen", "1.2.6"),
  ];
}

/** Layer tars: plain, gzip and zstd, with links, whiteouts and files the catalogers want. */
export async function layerTars(): Promise<Buffer[]> {
  const tar = await tarOf({
    "var/lib/dpkg/status": dpkgStatus("a", "b"),
    "usr/share/doc/a/copyright": "License: MIT\n",
    "lib/apk/db/installed": "P:x\nV:1\n\n",
    "app/node_modules/x/package.json": JSON.stringify({ name: "x", version: "1.0.0" }),
    "app/node_modules/y/package.json": { hardlink: "app/node_modules/x/package.json" },
    "usr/lib64": { symlink: "lib" },
    "etc/.wh.gone": "",
    "opt/.wh..wh..opq": "",
    "usr/bin/tool": { content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]), mode: 0o755 },
  });
  const raw = rawTar([
    { name: "../escape", body: "x" },
    { name: "loop/a", type: "2", linkname: "b" },
    { name: "loop/b", type: "2", linkname: "a" },
    { name: "var/lib/dpkg/status", type: "S", body: dpkgStatus("sparse") },
  ]);
  // Sparse files in each form GNU tar writes: old GNU with extension blocks, PAX 0.0, 0.1 and 1.0.
  const segments: [number, number][] = [0, 1, 2, 3, 4, 5].map((i) => [i * 1000, 10]);
  const data = Buffer.from("Package: s\n".repeat(6).slice(0, 60));
  const map = segments.flat().join(",");
  const sparse = rawTar([
    gnuSparseEntry("var/lib/dpkg/status", 6000, segments, data),
    paxEntry([
      ["GNU.sparse.size", "6000"],
      ...segments.flatMap(([offset, length]): [string, string][] => [
        ["GNU.sparse.offset", String(offset)],
        ["GNU.sparse.numbytes", String(length)],
      ]),
    ]),
    { name: "lib/apk/db/installed", body: data },
    paxEntry({
      "GNU.sparse.map": map,
      "GNU.sparse.realsize": "6000",
      "GNU.sparse.name": "app/node_modules/s/package.json",
    }),
    { name: "GNUSparseFile.1/package.json", body: data },
    paxEntry({
      "GNU.sparse.major": "1",
      "GNU.sparse.minor": "0",
      "GNU.sparse.realsize": "6000",
      "GNU.sparse.name": "usr/bin/tool",
    }),
    {
      name: "GNUSparseFile.2/tool",
      mode: 0o755,
      body: Buffer.concat([Buffer.from(`6\n${segments.flat().join("\n")}\n`.padEnd(512, "\0")), data]),
    },
  ]);
  return [tar, gzipSync(tar), zstdCompress(tar), raw, gzipSync(raw), sparse, gzipSync(sparse)];
}
