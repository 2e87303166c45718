import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { NpmMetadata, PackageMetadata } from "../../model/package.ts";
import { npmPackageJson } from "./index.ts";
import { parsePackageJson } from "./parse-package-json.ts";

const parse = (manifest: unknown) => parsePackageJson(Buffer.from(JSON.stringify(manifest)));

function npm(metadata: PackageMetadata | undefined): NpmMetadata {
  assert.ok(metadata?.kind === "npm");
  return metadata;
}

test("reads name, version, purl and metadata", () => {
  const { packages, issues } = parse({
    name: "@babel/core",
    version: "7.24.0",
    license: "MIT",
    description: "Babel compiler core.",
    homepage: "https://babel.dev/docs/en/next/babel-core",
    repository: { type: "git", url: "https://github.com/babel/babel.git" },
    author: { name: "The Babel Team", url: "https://babel.dev/team" },
    private: true,
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(packages, [
    {
      name: "@babel/core",
      version: "7.24.0",
      purl: "pkg:npm/%40babel/core@7.24.0",
      licenses: ["MIT"],
      metadata: {
        kind: "npm",
        author: "The Babel Team (https://babel.dev/team)",
        homepage: "https://babel.dev/docs/en/next/babel-core",
        description: "Babel compiler core.",
        url: "https://github.com/babel/babel.git",
        private: true,
      },
    },
  ]);
  assert.equal(
    npm(parse({ name: "x", version: "1.0.0", repository: "github:u/x" }).packages[0]?.metadata).url,
    "github:u/x",
  );
});

test("licenses: string, legacy object, legacy arrays; other shapes give nothing", () => {
  const licenses = (fields: Record<string, unknown>) =>
    parse({ name: "p", version: "1.0.0", ...fields }).packages[0]?.licenses;
  assert.deepEqual(licenses({ license: "(MIT OR Apache-2.0)" }), ["(MIT OR Apache-2.0)"]);
  assert.deepEqual(licenses({ license: { type: "ISC", url: "https://opensource.org/licenses/ISC" } }), ["ISC"]);
  assert.deepEqual(licenses({ license: [{ type: "" }, { type: "MIT" }] }), ["MIT"]);
  assert.deepEqual(licenses({ licenses: [{ type: "MIT" }, { type: "Apache-2.0" }] }), ["MIT", "Apache-2.0"]);
  assert.deepEqual(licenses({ license: "BSD-3-Clause", licenses: [{ type: "MIT" }] }), ["BSD-3-Clause"]);
  for (const license of [42, null, { foo: "bar" }, [], ["MIT"]]) assert.deepEqual(licenses({ license }), []);
});

test("author: Syft's flattening of author, authors, contributors and maintainers", () => {
  const author = (fields: Record<string, unknown>) =>
    npm(parse({ name: "p", version: "1.0.0", ...fields }).packages[0]?.metadata).author;
  assert.equal(
    author({ author: "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)" }),
    "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)",
  );
  assert.equal(
    author({ author: { name: "npm Inc.", url: "https://www.npmjs.com/", organization: true } }),
    "npm Inc. (https://www.npmjs.com/)",
  );
  assert.equal(
    author({
      author: "A <a@x.org>",
      authors: ["B"],
      contributors: [{ name: "C", email: "c@x.org" }, 7],
      maintainers: { name: "D" },
    }),
    "A <a@x.org>, B, C <c@x.org>, D",
  );
  assert.equal(
    author({ contributors: "https://github.com/TryGhost/Ghost/graphs/contributors" }),
    "https://github.com/TryGhost/Ghost/graphs/contributors",
  );
  assert.equal(author({}), undefined);
});

test("a manifest without name or version is no package, and no issue", () => {
  assert.deepEqual(parse({ name: "angular" }), { packages: [], issues: [] });
  assert.deepEqual(parse({ version: "5.0.0", license: "MIT" }), { packages: [], issues: [] });
  assert.deepEqual(parse({ name: "x", version: 5 }), { packages: [], issues: [] });
});

test("invalid JSON, a non-object or an invalid name is an issue, not a throw", () => {
  const broken = parsePackageJson(Buffer.from('{\n  "name" "bootstrap"\n}'));
  assert.deepEqual(broken.packages, []);
  assert.match(broken.issues[0] ?? "", /^invalid JSON: /);
  assert.deepEqual(parse(["a"]).issues, ["package.json is not a JSON object"]);
  assert.deepEqual(parse({ name: "@invalid/packageName/", version: "1.0.0" }).issues, [
    'invalid package name "@invalid/packageName/": name can only contain URL-friendly characters',
  ]);
  assert.equal(parse({ name: "JSONStream", version: "1.3.5" }).packages.length, 1);
  assert.equal(parsePackageJson(Buffer.from('\uFEFF{"name":"bom","version":"1.0.0"}')).packages.length, 1);
});

test("cataloger: wants the manifests of installed packages only", () => {
  const globs = npmPackageJson.wants.globs ?? [];
  const wanted = (path: string) => globs.some((glob) => picomatch(glob, { dot: true })(path));
  assert.ok(wanted("/node_modules/lodash/package.json"));
  assert.ok(wanted("/app/node_modules/lodash/package.json"));
  assert.ok(wanted("/app/node_modules/@babel/core/package.json"));
  assert.ok(wanted("/usr/lib/node_modules/npm/node_modules/abbrev/package.json"));
  assert.ok(!wanted("/app/package.json"));
  assert.ok(!wanted("/app/node_modules/lodash/fp/package.json"));
});
