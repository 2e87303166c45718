import { test } from "node:test";
import assert from "node:assert/strict";
import type { PackageDraft } from "../../catalog/cataloger.ts";
import { parsePnpmLock } from "./parse-pnpm-lock.ts";

const parse = (text: string) => parsePnpmLock(Buffer.from(text));

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

// pnpm 7: lockfileVersion 5.4, keys "/name/version" with "_peer@version" suffixes.
const v5 = `lockfileVersion: 5.4

specifiers:
  '@babel/core': ^7.24.0
  react-dom: ^18.2.0
  jest: ^29.0.0

dependencies:
  '@babel/core': 7.24.0
  react-dom: 18.2.0_react@18.2.0

devDependencies:
  jest: 29.7.0

packages:

  /@babel/core/7.24.0:
    resolution: {integrity: sha512-AAAA==}
    engines: {node: '>=6.9.0'}
    dependencies:
      debug: 4.3.4
    dev: false

  /debug/4.3.4:
    resolution: {integrity: sha512-BBBB==}
    peerDependencies:
      supports-color: '*'

  /react-dom/18.2.0_react@18.2.0:
    resolution: {integrity: sha512-CCCC==}
    peerDependencies:
      react: ^18.2.0
    dev: false

  /react/18.2.0:
    resolution: {integrity: sha512-DDDD==}
    dev: false

  /jest/29.7.0:
    resolution: {integrity: sha512-EEEE==}
    dev: true

  /fsevents/2.3.3:
    resolution: {integrity: sha512-FFFF==}
    os: [darwin]
    requiresBuild: true
    dev: true
    optional: true

  registry.example.com/private-lib/1.0.0:
    resolution: {integrity: sha512-GGGG==, tarball: https://registry.example.com/private-lib/-/private-lib-1.0.0.tgz}
    dev: false

  github.com/o/mylib/0123abc:
    resolution: {tarball: https://codeload.github.com/o/mylib/tar.gz/0123abc}
    name: mylib
    version: 1.2.0
    dev: false

  file:packages/helper:
    resolution: {directory: packages/helper, type: directory}
    name: helper
    version: 0.1.0
    dev: false
`;

test("lockfileVersion 5.4: dependency paths with peer suffixes, dev and optional flags", () => {
  const { packages, issues } = parse(v5);
  assert.deepEqual(issues, []);
  assert.deepEqual(byId(packages), {
    "@babel/core@7.24.0": { integrity: "sha512-AAAA==", dev: false },
    // No dev flag: wanted by both production and development.
    "debug@4.3.4": { integrity: "sha512-BBBB==", dev: false },
    "react-dom@18.2.0": { integrity: "sha512-CCCC==", dev: false },
    "react@18.2.0": { integrity: "sha512-DDDD==", dev: false },
    "jest@29.7.0": { integrity: "sha512-EEEE==", dev: true },
    "fsevents@2.3.3": { integrity: "sha512-FFFF==", dev: true, optional: true },
    "private-lib@1.0.0": {
      resolved: "https://registry.example.com/private-lib/-/private-lib-1.0.0.tgz",
      integrity: "sha512-GGGG==",
      dev: false,
    },
    "mylib@1.2.0": { resolved: "https://codeload.github.com/o/mylib/tar.gz/0123abc", dev: false },
  });
  assert.equal(packages[0]?.purl, "pkg:npm/%40babel/core@7.24.0");
});

// pnpm 8: lockfileVersion '6.0', keys "/name@version(peer@version)".
const v6 = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  '@tanstack/react-query':
    specifier: ^5.0.0
    version: 5.32.0(react@18.3.1)

devDependencies:
  '@testing-library/react':
    specifier: ^15.0.0
    version: 15.0.5(react-dom@18.3.1)(react@18.3.1)

packages:

  /@tanstack/react-query@5.32.0(react@18.3.1):
    resolution: {integrity: sha512-AAAA==}
    peerDependencies:
      react: ^18.0.0
    dependencies:
      react: 18.3.1
    dev: false

  /@tanstack/react-query@5.32.0(react@18.2.0):
    resolution: {integrity: sha512-AAAA==}
    dependencies:
      react: 18.2.0
    dev: true

  /@testing-library/react@15.0.5(react-dom@18.3.1)(react@18.3.1):
    resolution: {integrity: sha512-BBBB==}
    dev: true

  /react@18.3.1:
    resolution: {integrity: sha512-CCCC==}

  /react@18.2.0:
    resolution: {integrity: sha512-DDDD==}
    dev: true

  /1.0.0:
    resolution: {integrity: sha512-EEEE==}
`;

test("lockfileVersion 6.0: peer variants of one version are one package, production if any variant is", () => {
  const { packages, issues } = parse(v6);
  assert.deepEqual(byId(packages), {
    "@tanstack/react-query@5.32.0": { integrity: "sha512-AAAA==", dev: false },
    "@testing-library/react@15.0.5": { integrity: "sha512-BBBB==", dev: true },
    "react@18.3.1": { integrity: "sha512-CCCC==", dev: false },
    "react@18.2.0": { integrity: "sha512-DDDD==", dev: true },
  });
  assert.deepEqual(issues, ['package "/1.0.0": no name and version']);
});

// pnpm 9: lockfileVersion '9.0', `packages` without peers, `snapshots` with the graph, importers.
const v9 = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      express:
        specifier: ^4.19.0
        version: 4.19.2
      lodash-legacy:
        specifier: npm:lodash@^3.10.0
        version: lodash@3.10.1
      ui:
        specifier: workspace:*
        version: link:packages/ui
    devDependencies:
      vitest:
        specifier: ^1.6.0
        version: 1.6.0(@types/node@20.12.7)

  packages/ui:
    dependencies:
      react:
        specifier: ^18.3.0
        version: 18.3.1
      helper:
        specifier: file:../helper
        version: file:packages/helper
    devDependencies:
      '@types/node':
        specifier: ^20.0.0
        version: 20.12.7
    optionalDependencies:
      fsevents:
        specifier: ^2.3.0
        version: 2.3.3

packages:

  '@types/node@20.12.7':
    resolution: {integrity: sha512-AAAA==}

  debug@2.6.9:
    resolution: {integrity: sha512-BBBB==}

  express@4.19.2:
    resolution: {integrity: sha512-CCCC==}
    engines: {node: '>= 0.10.0'}

  fsevents@2.3.3:
    resolution: {integrity: sha512-DDDD==}
    os: [darwin]

  helper@file:packages/helper:
    resolution: {directory: packages/helper, type: directory}

  lodash@3.10.1:
    resolution: {integrity: sha512-EEEE==}

  ms@2.0.0:
    resolution: {integrity: sha512-FFFF==}

  mylib@https://codeload.github.com/o/mylib/tar.gz/0123abc:
    resolution: {tarball: https://codeload.github.com/o/mylib/tar.gz/0123abc}
    version: 1.2.0

  react@18.3.1:
    resolution: {integrity: sha512-GGGG==}

  tinypool@0.8.4:
    resolution: {integrity: sha512-HHHH==}

  vitest@1.6.0:
    resolution: {integrity: sha512-IIII==}
    peerDependencies:
      '@types/node': ^18.0.0 || >=20.0.0

snapshots:

  '@types/node@20.12.7': {}

  debug@2.6.9:
    dependencies:
      ms: 2.0.0

  express@4.19.2:
    dependencies:
      debug: 2.6.9
      mylib: https://codeload.github.com/o/mylib/tar.gz/0123abc

  fsevents@2.3.3:
    optional: true

  lodash@3.10.1: {}

  ms@2.0.0: {}

  mylib@https://codeload.github.com/o/mylib/tar.gz/0123abc: {}

  react@18.3.1: {}

  tinypool@0.8.4: {}

  vitest@1.6.0(@types/node@20.12.7):
    dependencies:
      '@types/node': 20.12.7
      debug: 2.6.9
      tinypool: 0.8.4
`;

test("lockfileVersion 9.0: dev flags from what the importers reach through snapshots", () => {
  const { packages, issues } = parse(v9);
  assert.deepEqual(issues, []);
  assert.deepEqual(byId(packages), {
    // A devDependency of one importer, reached by no production dependency.
    "@types/node@20.12.7": { integrity: "sha512-AAAA==", dev: true },
    // Reached from express (production) and vitest (dev).
    "debug@2.6.9": { integrity: "sha512-BBBB==", dev: false },
    "express@4.19.2": { integrity: "sha512-CCCC==", dev: false },
    "fsevents@2.3.3": { integrity: "sha512-DDDD==", dev: false, optional: true },
    // An alias in the importer: the real package.
    "lodash@3.10.1": { integrity: "sha512-EEEE==", dev: false },
    "ms@2.0.0": { integrity: "sha512-FFFF==", dev: false },
    "mylib@1.2.0": { resolved: "https://codeload.github.com/o/mylib/tar.gz/0123abc", dev: false },
    "react@18.3.1": { integrity: "sha512-GGGG==", dev: false },
    "tinypool@0.8.4": { integrity: "sha512-HHHH==", dev: true },
    "vitest@1.6.0": { integrity: "sha512-IIII==", dev: true },
  });
});

test("multi-document lock: every document is read (the package manager's own, then the project's)", () => {
  const lock = `---
lockfileVersion: '9.0'

importers:

  .:
    packageManagerDependencies:
      pnpm:
        specifier: 10.11.0
        version: 10.11.0

packages:

  pnpm@10.11.0:
    resolution: {integrity: sha512-AAAA==}

snapshots:

  pnpm@10.11.0: {}

---
lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      ms:
        specifier: ^2.1.3
        version: 2.1.3

packages:

  ms@2.1.3:
    resolution: {integrity: sha512-BBBB==}

snapshots:

  ms@2.1.3: {}
`;
  const { packages, issues } = parse(lock);
  assert.deepEqual(issues, []);
  assert.deepEqual(byId(packages), {
    "pnpm@10.11.0": { integrity: "sha512-AAAA==", dev: false },
    "ms@2.1.3": { integrity: "sha512-BBBB==", dev: false },
  });
});

test("malformed input gives issues, never a throw", () => {
  const invalid = parse("lockfileVersion: '9.0'\npackages: [\n");
  assert.deepEqual(invalid.packages, []);
  assert.match(invalid.issues[0] ?? "", /^invalid YAML: /);
  assert.match(
    parse("lockfileVersion: '9.0'\nx: &x [a, a]\ny: [*x, *x]\n").issues[0] ?? "",
    /aliases exceeded maxAliases/,
  );
  assert.match(
    parse(`lockfileVersion: '9.0'\npackages: ${"[".repeat(40)}${"]".repeat(40)}\n`).issues[0] ?? "",
    /^invalid YAML: nesting exceeded maxDepth/,
  );
  assert.deepEqual(parse("packages:\n  /a/1.0.0: {}\n").issues, ["document 1 has no readable lockfileVersion"]);
  assert.deepEqual(parse("- a\n- b\n").issues, ["document 1 is not a YAML mapping"]);
  assert.deepEqual(parse("lockfileVersion: 5.4\npackages: [a]\n").issues, ["packages is not a mapping"]);
  assert.deepEqual(parse(""), { packages: [], issues: [] });
  const odd = parse(
    "lockfileVersion: '9.0'\npackages:\n  ok@1.0.0: {}\n  scalar@1.0.0: x\n  no-version: {}\n  .bad@1.0.0: {}\n",
  );
  assert.deepEqual(
    odd.packages.map((p) => p.purl),
    ["pkg:npm/ok@1.0.0"],
  );
  assert.deepEqual(odd.issues, [
    'package "scalar@1.0.0" is not a mapping',
    'package "no-version": no name and version',
    'invalid package name ".bad": name cannot start with a period',
  ]);
});

test("truncated or mangled lock files never throw", () => {
  for (const text of [v5, v6, v9]) {
    for (let end = 0; end < text.length; end += 41) {
      assert.doesNotThrow(() => parse(text.slice(0, end)));
      assert.doesNotThrow(() => parse(`${text.slice(0, end)}: - [{\n${text.slice(end)}`));
    }
  }
});
