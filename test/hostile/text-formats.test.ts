/**
 * Malformed and hostile text databases and lock files inside one image: broken and deeply nested
 * JSON, YAML alias bombs, deep TOML, XML entity bombs and external entities, binary garbage in dpkg
 * and apk databases, pathological gemspecs and huge single lines. Each bad file costs only its own
 * packages: its siblings are reported, and the scan stays fast and small.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dpkgStatus,
  gzipLayers,
  issueText,
  packageNames,
  type RawEntry,
  rawTar,
  scanRaw,
  withPeakRss,
} from "./hostile-image.ts";
import { jarOf } from "./hostile-zip.ts";

const MiB = 1024 * 1024;
const deep = (open: string, close: string, depth: number): string => open.repeat(depth) + close.repeat(depth);

/** Bytes that are no text at all, the same on every run. */
function garbage(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = 12345;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

const laughs = (() => {
  const lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let level = 1; level < 10; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = String.fromCharCode(96 + level);
    lines.push(`${name}: &${name} [${Array<string>(9).fill(`*${previous}`).join(", ")}]`);
  }
  return lines.join("\n");
})();

const entityBomb = [
  '<?xml version="1.0"?>',
  "<!DOCTYPE packages [",
  '<!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? "" : i};`.repeat(10)}">`),
  "]>",
  '<packages><package id="Bomb" version="&lol9;" /></packages>',
].join("\n");

const externalEntity = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE packages [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>',
  '<packages><package id="Xxe" version="&passwd;" /></packages>',
].join("\n");

const pkg = (name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ name, version: "1.0.0", ...extra });

const files: RawEntry[] = [
  // JSON
  { name: "app/node_modules/ok/package.json", body: pkg("ok") },
  {
    name: "app/node_modules/deep/package.json",
    body: `{"name":"deep","version":"1.0.0","x":${deep("[", "]", 200_000)}}`,
  },
  { name: "app/node_modules/cut/package.json", body: pkg("cut").slice(0, 20) },
  { name: "app/node_modules/binary/package.json", body: garbage(64 * 1024) },
  { name: "app/node_modules/longline/package.json", body: pkg("longline", { description: "x".repeat(3.9 * MiB) }) },
  { name: "srv/npm-bad/package-lock.json", body: garbage(100_000) },
  {
    name: "srv/npm-odd/package-lock.json",
    body: JSON.stringify({ lockfileVersion: 3, packages: [1, 2, 3], dependencies: "x" }),
  },
  {
    name: "srv/npm/package-lock.json",
    body: JSON.stringify({ lockfileVersion: 3, packages: { "": {}, "node_modules/locked": { version: "1.0.0" } } }),
  },
  {
    name: "srv/php-bad/composer.lock",
    body: JSON.stringify({ packages: [1, "x", null, { name: 5 }, { name: "a/b" }] }),
  },
  { name: "srv/php-deep/composer.lock", body: `{"packages":[${deep("[", "]", 200_000)}]}` },
  {
    name: "srv/php/composer.lock",
    body: JSON.stringify({ packages: [{ name: "monolog/monolog", version: "2.9.1" }] }),
  },
  { name: "srv/dotnet-bad/app.deps.json", body: `{"targets": ${deep('{"a":', "}", 10_000)}` },
  // YAML
  { name: "srv/pnpm-bomb/pnpm-lock.yaml", body: `lockfileVersion: '6.0'\n${laughs}\npackages:\n  /x@1.0.0: *j\n` },
  { name: "srv/pnpm-deep/pnpm-lock.yaml", body: `lockfileVersion: '6.0'\npackages: ${deep("[", "]", 100_000)}\n` },
  {
    name: "srv/pnpm/pnpm-lock.yaml",
    body: "lockfileVersion: '6.0'\npackages:\n  /pnpm-ok@1.0.0:\n    resolution: {integrity: sha512-AA==}\n    dev: false\n",
  },
  { name: "srv/yarn-bomb/yarn.lock", body: `__metadata:\n  version: 6\n${laughs}\n"x@npm:1": *j\n` },
  { name: "srv/yarn/yarn.lock", body: '# yarn lockfile v1\n\nyarn-ok@^1:\n  version "1.0.0"\n' },
  // TOML
  { name: "srv/rust-deep/Cargo.lock", body: `version = 3\nx = ${deep("[", "]", 100_000)}\n` },
  { name: "srv/rust-bad/Cargo.lock", body: '[[package]]\nname = 5\nversion = ["1"]\n[[package]\n' },
  {
    name: "srv/rust/Cargo.lock",
    body: '[[package]]\nname = "serde"\nversion = "1.0.200"\n',
  },
  // XML
  { name: "srv/nuget-bomb/packages.config", body: entityBomb },
  { name: "srv/nuget-xxe/packages.config", body: externalEntity },
  { name: "srv/nuget-deep/packages.config", body: `<packages>${deep("<a>", "</a>", 100_000)}</packages>` },
  { name: "srv/nuget/packages.config", body: '<packages><package id="NUnit" version="3.13.3" /></packages>' },
  { name: "root/.nuget/packages/nunit/3.13.3/nunit.nuspec", body: entityBomb },
  // Package databases with binary garbage and huge lines
  {
    name: "var/lib/dpkg/status",
    body: Buffer.concat([
      Buffer.from(`${dpkgStatus("dpkg-before")}\n`),
      garbage(2 * MiB),
      Buffer.from(`\n\n${dpkgStatus("dpkg-after")}Description: ${"d".repeat(20 * MiB)}\n`),
    ]),
  },
  {
    name: "lib/apk/db/installed",
    body: Buffer.concat([
      Buffer.from("P:apk-before\nV:1\n\n"),
      garbage(2 * MiB),
      Buffer.from(`\n\nP:apk-after\nV:2\nD:${"so:x ".repeat(MiB)}\n`),
    ]),
  },
  // Ruby
  {
    name: "usr/lib/ruby/gems/3.1.0/specifications/nested-1.0.gemspec",
    body: `Gem::Specification.new do |s|\n  s.name = "nested"\n  s.version = "1.0"\n  s.files = ${deep("[", "]", 300_000)}\nend\n`,
  },
  {
    name: "usr/lib/ruby/gems/3.1.0/specifications/interpolated-1.0.gemspec",
    body: `Gem::Specification.new do |s|\n  s.name = "interpolated"\n  s.version = "${"#{".repeat(300_000)}"\nend\n`,
  },
  {
    name: "usr/lib/ruby/gems/3.1.0/specifications/heredocs-1.0.gemspec",
    body: `Gem::Specification.new do |s|\n  s.name = "heredocs"\n  s.version = "1.0"\n${"  s.a = <<~A\n".repeat(50_000)}end\n`,
  },
  { name: "usr/lib/ruby/gems/3.1.0/specifications/binary-1.0.gemspec", body: garbage(512 * 1024) },
];

test("malformed JSON, YAML, TOML, XML, package databases and gemspecs cost only their own packages", {
  timeout: 120_000,
}, async () => {
  const started = Date.now();
  // The image is made before measuring: what is measured is the scan.
  const layers = gzipLayers(rawTar(files));
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers }));
  const millis = Date.now() - started;
  assert.deepEqual(packageNames(inventory), [
    "NUnit",
    "apk-after",
    "apk-before",
    "dpkg-after",
    "dpkg-before",
    "heredocs",
    "locked",
    "longline",
    "monolog/monolog",
    "nested",
    "ok",
    "pnpm-ok",
    "serde",
    "yarn-ok",
  ]);
  const text = issueText(inventory.issues);
  const failures = inventory.issues.filter((issue) => issue.severity === "error");
  assert.deepEqual(failures, [], "no parser threw");
  const expected: [string, RegExp][] = [
    ["/app/node_modules/cut/package.json", /JSON/],
    ["/app/node_modules/binary/package.json", /JSON/],
    ["/app/node_modules/deep/package.json", /^JSON nested deeper than 512 levels; not read$/],
    ["/srv/php-deep/composer.lock", /^JSON nested deeper than 512 levels; not read$/],
    ["/srv/dotnet-bad/app.deps.json", /^JSON nested deeper than 512 levels; not read$/],
    ["/srv/npm-bad/package-lock.json", /JSON/],
    ["/srv/pnpm-bomb/pnpm-lock.yaml", /aliases exceeded maxAliases/],
    ["/srv/pnpm-deep/pnpm-lock.yaml", /nesting exceeded maxDepth/],
    ["/srv/yarn-bomb/yarn.lock", /aliases exceeded maxAliases/],
    ["/srv/rust-deep/Cargo.lock", /excessively nested/],
    ["/srv/nuget-bomb/packages.config", /DOCTYPE declarations are not accepted/],
    ["/srv/nuget-xxe/packages.config", /DOCTYPE declarations are not accepted/],
    ["/srv/nuget-deep/packages.config", /nested deeper than 64 elements/],
    ["/var/lib/dpkg/status", /expected "Field: value"/],
    ["/lib/apk/db/installed", /expected "K:value"/],
    ["/usr/lib/ruby/gems/3.1.0/specifications/interpolated-1.0.gemspec", /no version/],
  ];
  for (const [path, message] of expected) {
    assert.ok(
      inventory.issues.some((issue) => issue.path === path && message.test(issue.message)),
      `${path}: ${String(message)}\n${text}`,
    );
  }
  assert.deepEqual(
    inventory.packages.find((found) => found.name === "NUnit")?.licenses,
    [],
    "the nuspec bomb gave no license",
  );
  assert.ok(!text.includes("root:"), "no file of this machine was read");
  assert.ok(millis < 60_000, `took ${millis} ms`);
  assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB`);
});

test("JSON past the caps on nesting, containers, values and entries is skipped or cut short, with one issue", {
  timeout: 120_000,
}, async () => {
  const composer = (entries: string): string => `{"packages":[${entries}]}`;
  const jsonFiles: RawEntry[] = [
    {
      name: "srv/npm-deep/package-lock.json",
      body: `{"lockfileVersion":3,"packages":${deep('{"a":', "}", 1_000_000)}}`,
    },
    // A million and more empty objects: parsed, each would cost about 30 times its text.
    {
      name: "srv/php-empty/vendor/composer/installed.json",
      body: `[${Array<string>(1_200_000).fill("{}").join(",")}]`,
    },
    // Five million numbers: past the values cap.
    { name: "srv/nuget-numbers/packages.lock.json", body: `{"version":1,"dependencies":[${"0,".repeat(5_000_000)}0]}` },
    // Three million entries under the caps, none a package: cut at 100000, and only a few problems listed.
    { name: "srv/php-zeros/composer.lock", body: composer("0,".repeat(3_000_000) + "0") },
    {
      name: "srv/dotnet-many/app.deps.json",
      body: `{"libraries":{${Array.from({ length: 300_000 }, (_, i) => `"L${i}":0`).join(",")}}}`,
    },
    { name: "srv/php/composer.lock", body: composer(JSON.stringify({ name: "monolog/monolog", version: "2.9.1" })) },
  ];
  const started = Date.now();
  // The image is made before measuring: what is measured is the scan.
  const layers = gzipLayers(rawTar(jsonFiles));
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers }));
  const millis = Date.now() - started;
  assert.deepEqual(packageNames(inventory), ["monolog/monolog"], issueText(inventory.issues));
  const issuesOf = (path: string): string[] =>
    inventory.issues.filter((issue) => issue.path === path).map((issue) => issue.message);
  assert.deepEqual(issuesOf("/srv/npm-deep/package-lock.json"), ["JSON nested deeper than 512 levels; not read"]);
  assert.deepEqual(issuesOf("/srv/php-empty/vendor/composer/installed.json"), [
    "JSON of more than 1000000 objects and arrays; not read",
  ]);
  assert.deepEqual(issuesOf("/srv/nuget-numbers/packages.lock.json"), ["JSON of more than 4000000 values; not read"]);
  for (const [path, first, more] of [
    ["/srv/php-zeros/composer.lock", "packages[0] is not an object", 100_000 - 20],
    ["/srv/dotnet-many/app.deps.json", 'library "L0": not "<name>/<version>"', 100_000 - 20],
  ] as const) {
    const messages = issuesOf(path);
    assert.equal(messages.length, 22, `${path}: ${messages.slice(0, 3).join("; ")}`);
    assert.match(messages[0] ?? "", /^more than 100000 (packages|libraries): the rest are left out$/);
    assert.equal(messages[1], first);
    assert.equal(messages.at(-1), `${more} more problems not listed`);
  }
  assert.ok(millis < 60_000, `took ${millis} ms`);
  assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB`);
});

test("YAML and TOML of millions of tiny entries and a deeply nested pom.xml are refused before they are built", {
  timeout: 120_000,
}, async () => {
  const pomDepth = 550_000;
  const deepPom = `<project>${deep("<a>", "</a>", pomDepth)}<licenses><license><name>MIT</name></license></licenses></project>`;
  const manyFiles: RawEntry[] = [
    {
      name: "srv/pnpm-many/pnpm-lock.yaml",
      body: `lockfileVersion: '6.0'\npackages: [${"{},".repeat(10_000_000)}{}]\n`,
    },
    { name: "srv/rust-many/Cargo.lock", body: `version = 3\nx = [${"{},".repeat(5_000_000)}{}]\n` },
    {
      name: "opt/deep-pom-1.0.jar",
      body: jarOf("org.example", "deep-pom", "1.0", [
        { name: "META-INF/maven/org.example/deep-pom/pom.xml", data: deepPom },
      ]),
    },
    { name: "srv/rust/Cargo.lock", body: '[[package]]\nname = "serde"\nversion = "1.0.200"\n' },
  ];
  const started = Date.now();
  // The image is made before measuring: what is measured is the scan.
  const layers = gzipLayers(rawTar(manyFiles));
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers }));
  const millis = Date.now() - started;
  assert.deepEqual(packageNames(inventory), ["org.example:deep-pom", "serde"], issueText(inventory.issues));
  const text = issueText(inventory.issues);
  assert.match(text, /\/srv\/pnpm-many\/pnpm-lock\.yaml more than 3000000 YAML keys, values and collections: not read/);
  assert.match(text, /\/srv\/rust-many\/Cargo\.lock more than 2000000 TOML keys, values and tables: not read/);
  assert.match(text, /deep-pom\/pom\.xml.*elements nested deeper than 64/);
  assert.ok(millis < 30_000, `took ${millis} ms`);
  assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB`);
});
