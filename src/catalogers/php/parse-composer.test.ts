import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { CollectedFile, FileView, PackageDraft } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import type { ComposerMetadata, PackageMetadata } from "../../model/package.ts";
import { composerInstalledJson, composerLock } from "./index.ts";
import { parseComposerLock } from "./parse-composer-lock.ts";
import { parseInstalledJson } from "./parse-installed-json.ts";

function composer(metadata: PackageMetadata | undefined): ComposerMetadata {
  assert.ok(metadata?.kind === "composer");
  return metadata;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, null, 2));

const guzzle = {
  name: "guzzlehttp/guzzle",
  version: "7.8.1",
  source: {
    type: "git",
    url: "https://github.com/guzzle/guzzle.git",
    reference: "41042bc7ab002487b876a0683fc8dce04ddce104",
  },
  dist: { type: "zip", url: "https://example.org/guzzle.zip", reference: "41042bc", shasum: "" },
  require: { php: "^7.2.5 || ^8.0", "guzzlehttp/psr7": "^2.6" },
  type: "library",
  license: ["MIT"],
  description: "Guzzle is a PHP HTTP client library",
  homepage: "",
};
const psr7 = { name: "guzzlehttp/psr7", version: "2.6.2", license: ["MIT"] };
const phpunit = { name: "phpunit/phpunit", version: "10.5.9", license: "BSD-3-Clause" };
const lock = json({ packages: [guzzle, psr7], "packages-dev": [phpunit] });

function byName(packages: readonly PackageDraft[], name: string): PackageDraft {
  const found = packages.find((p) => p.name === name);
  assert.ok(found, `no ${name}`);
  return found;
}

test("composer.lock: packages and packages-dev (flagged dev), purl, licenses, metadata", () => {
  const { packages, issues } = parseComposerLock(lock);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version, composer(p.metadata).dev]),
    [
      ["guzzlehttp/guzzle", "7.8.1", false],
      ["guzzlehttp/psr7", "2.6.2", false],
      ["phpunit/phpunit", "10.5.9", true],
    ],
  );
  const first = byName(packages, "guzzlehttp/guzzle");
  assert.equal(first.purl, "pkg:composer/guzzlehttp/guzzle@7.8.1");
  assert.deepEqual(first.licenses, ["MIT"]);
  // No composer.json given: direct or indirect is unknown, so absent. Empty strings are left out.
  assert.deepEqual(first.metadata, {
    kind: "composer",
    dev: false,
    type: "library",
    description: "Guzzle is a PHP HTTP client library",
    sourceUrl: "https://github.com/guzzle/guzzle.git",
    sourceReference: "41042bc7ab002487b876a0683fc8dce04ddce104",
    distUrl: "https://example.org/guzzle.zip",
  });
  assert.deepEqual(byName(packages, "phpunit/phpunit").licenses, ["BSD-3-Clause"]);
});

test("composer.lock: versions are kept as written, a leading v included", () => {
  const { packages } = parseComposerLock(json({ packages: [{ name: "Symfony/Console", version: "v6.4.2" }] }));
  assert.equal(packages[0]?.version, "v6.4.2");
  // The purl spec lower-cases composer names.
  assert.equal(packages[0]?.purl, "pkg:composer/symfony/console@v6.4.2");
});

test("composer.lock: composer.json beside it tells direct (require, require-dev) from indirect", () => {
  const manifest = json({
    require: { php: ">=8.1", "GuzzleHttp/Guzzle": "^7.0" },
    "require-dev": { "phpunit/phpunit": "^10" },
  });
  const { packages, issues } = parseComposerLock(lock, manifest);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, composer(p.metadata).relationship]),
    [
      ["guzzlehttp/guzzle", "direct"],
      ["guzzlehttp/psr7", "indirect"],
      ["phpunit/phpunit", "direct"],
    ],
  );
});

test("composer.lock: a broken composer.json is an issue; packages are kept, relationship unknown", () => {
  const { packages, issues } = parseComposerLock(lock, Buffer.from("{"));
  assert.equal(packages.length, 3);
  assert.ok(packages.every((p) => composer(p.metadata).relationship === undefined));
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? "", /^composer\.json beside the lock: invalid JSON/);
});

test("licenses: arrays, strings, plain disjunctions split as composer's arrays, other expressions whole", () => {
  const licensesOf = (license: unknown): string[] =>
    parseComposerLock(json({ packages: [{ name: "a/b", version: "1.0.0", license }] })).packages[0]?.licenses ?? [];
  assert.deepEqual(licensesOf(["MIT", "GPL-2.0-or-later", 3, ""]), ["MIT", "GPL-2.0-or-later"]);
  assert.deepEqual(licensesOf("MIT or BSD-2-Clause"), ["MIT", "BSD-2-Clause"]);
  assert.deepEqual(licensesOf("(LGPL-2.1-only or GPL-3.0-or-later)"), ["LGPL-2.1-only", "GPL-3.0-or-later"]);
  assert.deepEqual(licensesOf("Apache-2.0 AND MIT"), ["Apache-2.0 AND MIT"]);
  assert.deepEqual(licensesOf("proprietary"), ["proprietary"]);
  assert.deepEqual(licensesOf(null), []);
  assert.deepEqual(licensesOf({ type: "MIT" }), []);
});

test("composer.lock: bad entries are issues, the good ones are still read", () => {
  const { packages, issues } = parseComposerLock(
    json({ packages: [psr7, "nope", { version: "1.0" }, { name: "a/no-version" }], "packages-dev": { x: 1 } }),
  );
  assert.deepEqual(
    packages.map((p) => p.name),
    ["guzzlehttp/psr7"],
  );
  assert.deepEqual(issues, [
    "packages[1] is not an object",
    "packages[2] has no name",
    "package a/no-version: no version",
    '"packages-dev" is not an array',
  ]);
});

test("invalid JSON or a non-object is an issue, not a throw", () => {
  assert.match(parseComposerLock(Buffer.from("{{{")).issues[0] ?? "", /^invalid JSON/);
  assert.deepEqual(parseComposerLock(json([1])), { packages: [], issues: ["composer.lock is not a JSON object"] });
  assert.match(parseInstalledJson(Buffer.from("{")).issues[0] ?? "", /^invalid JSON/);
  assert.deepEqual(parseInstalledJson(json("x")).issues, ["installed.json is neither a JSON array nor an object"]);
  assert.deepEqual(parseInstalledJson(json({ dev: true })).issues, ['installed.json has no "packages" array']);
});

test("installed.json: composer 1 (array) and composer 2 (object, dev-package-names flagged dev)", () => {
  const v1 = parseInstalledJson(json([guzzle, psr7]));
  assert.deepEqual(v1.issues, []);
  assert.deepEqual(
    v1.packages.map((p) => [p.name, composer(p.metadata).dev]),
    [
      ["guzzlehttp/guzzle", false],
      ["guzzlehttp/psr7", false],
    ],
  );
  const v2 = parseInstalledJson(
    json({ packages: [guzzle, phpunit], dev: true, "dev-package-names": ["phpunit/phpunit"] }),
  );
  assert.deepEqual(v2.issues, []);
  assert.deepEqual(
    v2.packages.map((p) => [p.purl, composer(p.metadata).dev, composer(p.metadata).relationship]),
    [
      ["pkg:composer/guzzlehttp/guzzle@7.8.1", false, undefined],
      ["pkg:composer/phpunit/phpunit@10.5.9", true, undefined],
    ],
  );
  assert.deepEqual(parseInstalledJson(json([{ name: "x/y" }])).issues, ["package x/y: no version"]);
});

const layer = { index: 0, digest: "sha256:l", diffId: "sha256:l" };

function viewOf(files: Record<string, Buffer>): FileView {
  const all: CollectedFile[] = Object.entries(files).map(([path, content]) => ({ path, layer, content }));
  return {
    get: (path) => all.find((file) => file.path === path),
    list: (dir) => all.filter((file) => file.path.startsWith(`${dir}/`)),
  };
}

test("cataloger: reads composer.json beside the lock through the view; skips locks inside vendor/", async () => {
  const files = { "/app/composer.lock": lock, "/app/composer.json": json({ require: { "guzzlehttp/guzzle": "^7" } }) };
  const ctx = { distro: undefined, view: viewOf(files), limits: defaultLimits };
  const result = await composerLock.parse({ path: "/app/composer.lock", layer, content: lock }, ctx);
  assert.equal(composer(byName(result.packages, "guzzlehttp/guzzle").metadata).relationship, "direct");
  assert.equal(composer(byName(result.packages, "guzzlehttp/psr7").metadata).relationship, "indirect");
  const vendored = await composerLock.parse({ path: "/app/vendor/a/b/composer.lock", layer, content: lock }, ctx);
  assert.deepEqual(vendored, { packages: [], issues: [] });
});

test("cataloger: file interest", () => {
  // As the scanner matches globs: against the path without its leading "/".
  const matches = (globs: readonly string[] | undefined, path: string): boolean =>
    (globs ?? []).some((glob) => picomatch(glob.replace(/^\/+/, ""), { dot: true })(path.slice(1)));
  assert.ok(matches(composerLock.wants.globs, "/composer.lock"));
  assert.ok(matches(composerLock.wants.globs, "/var/www/html/composer.lock"));
  assert.ok(matches(composerLock.wants.context?.globs, "/var/www/html/composer.json"));
  assert.ok(!matches(composerLock.wants.globs, "/var/www/html/composer.json"));
  assert.ok(matches(composerInstalledJson.wants.globs, "/var/www/html/vendor/composer/installed.json"));
  assert.ok(matches(composerInstalledJson.wants.globs, "/app/lib/composer/installed.json"));
  assert.ok(!matches(composerInstalledJson.wants.globs, "/app/installed.json"));
  assert.ok(!matches(composerInstalledJson.wants.globs, "/app/vendor/composer/installed.php"));
});
