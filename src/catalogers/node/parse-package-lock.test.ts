import { test } from "node:test";
import assert from "node:assert/strict";
import type { PackageDraft } from "../../catalog/cataloger.ts";
import { parsePackageLock } from "./parse-package-lock.ts";

const parse = (lock: unknown) => parsePackageLock(Buffer.from(JSON.stringify(lock, null, 2)));

/** name@version → metadata, for compact assertions. */
function byId(packages: readonly PackageDraft[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { name, version, metadata } of packages) {
    assert.ok(metadata.kind === "npm");
    out[`${name}@${version}`] = Object.fromEntries(
      Object.entries(metadata).filter(([key]) => key !== "kind" && key !== "private"),
    );
  }
  return out;
}

const integrity = (n: number) => `sha512-${String(n).repeat(8)}==`;
const tarball = (name: string, version: string) =>
  `https://registry.example/${name}/-/${name.replace(/^@[^/]+\//, "")}-${version}.tgz`;

test("lockfileVersion 3: packages keyed by install path; the project, workspaces and links are not packages", () => {
  const { packages, issues } = parse({
    name: "shop",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "shop", version: "1.0.0", workspaces: ["packages/*"], dependencies: { express: "^4.18.0" } },
      "node_modules/express": {
        version: "4.18.2",
        resolved: tarball("express", "4.18.2"),
        integrity: integrity(1),
        license: "MIT",
      },
      "node_modules/@babel/code-frame": {
        version: "7.24.2",
        resolved: tarball("@babel/code-frame", "7.24.2"),
        integrity: integrity(2),
        dev: true,
      },
      "node_modules/fsevents": { version: "2.3.3", optional: true, os: ["darwin"] },
      "node_modules/typescript": { version: "5.4.5", devOptional: true, peer: true },
      "node_modules/jest-util": { version: "29.7.0", dev: true, optional: true },
      "packages/ui": { name: "@shop/ui", version: "0.1.0", dependencies: { react: "^18.0.0" } },
      "node_modules/@shop/ui": { resolved: "packages/ui", link: true },
      "packages/ui/node_modules/react": { version: "18.3.1", resolved: tarball("react", "18.3.1") },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => p.purl),
    [
      "pkg:npm/express@4.18.2",
      "pkg:npm/%40babel/code-frame@7.24.2",
      "pkg:npm/fsevents@2.3.3",
      "pkg:npm/typescript@5.4.5",
      "pkg:npm/jest-util@29.7.0",
      "pkg:npm/react@18.3.1",
    ],
  );
  assert.deepEqual(packages[0], {
    name: "express",
    version: "4.18.2",
    purl: "pkg:npm/express@4.18.2",
    licenses: ["MIT"],
    metadata: {
      kind: "npm",
      private: false,
      resolved: tarball("express", "4.18.2"),
      integrity: integrity(1),
      dev: false,
    },
  });
  assert.deepEqual(byId(packages), {
    "express@4.18.2": { resolved: tarball("express", "4.18.2"), integrity: integrity(1), dev: false },
    "@babel/code-frame@7.24.2": {
      resolved: tarball("@babel/code-frame", "7.24.2"),
      integrity: integrity(2),
      dev: true,
    },
    "fsevents@2.3.3": { dev: false, optional: true },
    // devOptional: wanted by development, or optionally by production: not development-only.
    "typescript@5.4.5": { dev: false, optional: true, peer: true },
    "jest-util@29.7.0": { dev: true, optional: true },
    "react@18.3.1": { resolved: tarball("react", "18.3.1"), dev: false },
  });
});

test("one package per name@version; flags hold only when every copy has them", () => {
  const { packages, issues } = parse({
    lockfileVersion: 3,
    packages: {
      "": { name: "app" },
      "node_modules/ms": { version: "2.1.3", resolved: tarball("ms", "2.1.3"), dev: true },
      "node_modules/debug": { version: "4.3.4" },
      "node_modules/debug/node_modules/ms": { version: "2.1.2", dev: true },
      "node_modules/send/node_modules/ms": { version: "2.1.3", resolved: "https://mirror.example/ms-2.1.3.tgz" },
      "node_modules/send/node_modules/debug": { version: "4.3.4", dev: true },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(byId(packages), {
    // The first copy's resolved is kept; dev only if every copy is dev.
    "ms@2.1.3": { resolved: tarball("ms", "2.1.3"), dev: false },
    "debug@4.3.4": { dev: false },
    "ms@2.1.2": { dev: true },
  });
});

test("aliases report the real package; local file: sources are not packages", () => {
  const { packages, issues } = parse({
    lockfileVersion: 2,
    packages: {
      "": { name: "app", dependencies: { "lodash-old": "npm:lodash@^3" } },
      "node_modules/lodash-old": { name: "lodash", version: "3.10.1", resolved: tarball("lodash", "3.10.1") },
      "node_modules/lodash": { version: "4.17.21" },
      "node_modules/vendored": { version: "1.0.0", resolved: "file:vendor/vendored-1.0.0.tgz" },
      "node_modules/from-git": { version: "2.0.0", resolved: "git+ssh://git@github.com/o/from-git.git#0123abc" },
    },
    // lockfileVersion 2 repeats the tree in v1 form for old npm: not read when `packages` is there.
    dependencies: { "only-in-v1-section": { version: "9.9.9" } },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(Object.keys(byId(packages)), ["lodash@3.10.1", "lodash@4.17.21", "from-git@2.0.0"]);
  assert.equal(byId(packages)["from-git@2.0.0"]?.["resolved"], "git+ssh://git@github.com/o/from-git.git#0123abc");
});

test("licenses: a string, an array, legacy objects", () => {
  const licenses = (license: unknown) =>
    parse({ lockfileVersion: 3, packages: { "node_modules/x": { version: "1.0.0", license } } }).packages[0]?.licenses;
  assert.deepEqual(licenses("(MIT OR Apache-2.0)"), ["(MIT OR Apache-2.0)"]);
  assert.deepEqual(licenses(["MIT", "ISC"]), ["MIT", "ISC"]);
  assert.deepEqual(licenses({ type: "BSD-3-Clause", url: "https://example.org" }), ["BSD-3-Clause"]);
  assert.deepEqual(licenses([{ type: "MIT" }, "", 7]), ["MIT"]);
  assert.deepEqual(licenses(undefined), []);
});

test("lockfileVersion 1: nested dependencies, aliases, git versions kept as written", () => {
  const { packages, issues } = parse({
    name: "legacy",
    version: "1.0.0",
    lockfileVersion: 1,
    requires: true,
    dependencies: {
      "body-parser": {
        version: "1.19.0",
        resolved: tarball("body-parser", "1.19.0"),
        integrity: integrity(3),
        requires: { debug: "2.6.9" },
        dependencies: {
          debug: { version: "2.6.9", resolved: tarball("debug", "2.6.9") },
          ms: { version: "2.0.0", dependencies: { "@types/deep": { version: "1.0.0", dev: true } } },
        },
      },
      debug: { version: "4.3.1" },
      "old-lodash": { version: "npm:lodash@3.10.1", resolved: tarball("lodash", "3.10.1") },
      "@scope/tool": { version: "2.0.0", dev: true, optional: true },
      mylib: { version: "git+https://github.com/o/mylib.git#abc123", from: "git+https://github.com/o/mylib.git" },
      local: { version: "file:../local" },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(byId(packages), {
    "debug@2.6.9": { resolved: tarball("debug", "2.6.9"), dev: false },
    "@types/deep@1.0.0": { dev: true },
    "ms@2.0.0": { dev: false },
    "body-parser@1.19.0": { resolved: tarball("body-parser", "1.19.0"), integrity: integrity(3), dev: false },
    "debug@4.3.1": { dev: false },
    "lodash@3.10.1": { resolved: tarball("lodash", "3.10.1"), dev: false },
    "@scope/tool@2.0.0": { dev: true, optional: true },
    "mylib@git+https://github.com/o/mylib.git#abc123": { dev: false },
  });
  assert.equal(
    packages.find((p) => p.name === "mylib")?.purl,
    "pkg:npm/mylib@git+https:%2F%2Fgithub.com%2Fo%2Fmylib.git%23abc123",
  );
});

test("lockfileVersion 1: nesting deeper than the cap is left out with an issue", () => {
  let dependencies: Record<string, unknown> = { leaf: { version: "1.0.0" } };
  for (let depth = 0; depth < 70; depth += 1) dependencies = { [`d${depth}`]: { version: "1.0.0", dependencies } };
  const { packages, issues } = parse({ lockfileVersion: 1, dependencies });
  assert.equal(packages.length, 64);
  assert.deepEqual(issues, ["dependencies nested deeper than 64 levels are left out"]);
});

test("malformed input gives issues, never a throw", () => {
  const broken = parsePackageLock(Buffer.from('{"lockfileVersion": 3, "packages": {'));
  assert.deepEqual(broken.packages, []);
  assert.match(broken.issues[0] ?? "", /^invalid JSON: /);
  assert.deepEqual(parse([1, 2]).issues, ["lock file is not a JSON object"]);
  assert.deepEqual(parse({ name: "x" }).issues, ["no lockfileVersion, packages or dependencies: not an npm lock file"]);
  assert.deepEqual(parse({ lockfileVersion: 3 }), { packages: [], issues: [] });

  const partial = parse({
    lockfileVersion: 4,
    packages: {
      "node_modules/ok": { version: "1.0.0" },
      "node_modules/no-version": { resolved: tarball("no-version", "1.0.0") },
      "node_modules/not-an-object": "1.0.0",
      "node_modules/.bad-name": { version: "1.0.0" },
    },
  });
  assert.deepEqual(
    partial.packages.map((p) => p.purl),
    ["pkg:npm/ok@1.0.0"],
  );
  assert.deepEqual(partial.issues, [
    'entry "node_modules/no-version" has no version',
    'entry "node_modules/not-an-object" is not an object',
    "unknown lockfileVersion 4",
    'invalid package name ".bad-name": name cannot start with a period',
  ]);
  const v1 = parse({ lockfileVersion: 1, dependencies: { a: "1.0.0", b: { resolved: "x" } } });
  assert.deepEqual(v1.issues, ['dependency "a" is not an object', 'dependency "b" has no version']);
});

test("a byte-order mark is accepted", () => {
  const content = Buffer.from(
    `\uFEFF${JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/a": { version: "1.0.0" } } })}`,
  );
  assert.equal(parsePackageLock(content).packages.length, 1);
});

test("truncated or mangled lock files never throw", () => {
  const text = JSON.stringify({
    lockfileVersion: 3,
    packages: { "": { name: "a" }, "node_modules/b": { version: "1.0.0", dev: true, license: ["MIT"] } },
    dependencies: { b: { version: "1.0.0", dependencies: { c: { version: "npm:d@2.0.0" } } } },
  });
  for (let end = 0; end < text.length; end += 3) {
    assert.doesNotThrow(() => parsePackageLock(Buffer.from(text.slice(0, end))));
    assert.doesNotThrow(() => parsePackageLock(Buffer.from(text.slice(0, end).replace(/\{[^{]*$/, "null"))));
  }
});
