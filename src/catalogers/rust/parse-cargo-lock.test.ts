import { test } from "node:test";
import assert from "node:assert/strict";
import type { CargoMetadata, PackageMetadata } from "../../model/package.ts";
import { cargoLock } from "./index.ts";
import { parseCargoLock } from "./parse-cargo-lock.ts";

// Source ids as Cargo writes them; the hosts are placeholders.
const registry = "registry+https://index.example/crates";
const sum = (c: string): string => c.repeat(64);

function cargo(metadata: PackageMetadata | undefined): CargoMetadata {
  assert.ok(metadata?.kind === "cargo");
  return metadata;
}

function parse(text: string) {
  return parseCargoLock(Buffer.from(text));
}

test("v1: dependencies with version and source, checksums from [metadata]", () => {
  const { packages, issues } = parse(`[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "libc 0.2.54 (${registry})",
]

[[package]]
name = "libc"
version = "0.2.54"
source = "${registry}"

[metadata]
"checksum libc 0.2.54 (${registry})" = "${sum("c")}"
`);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version, p.purl]),
    [
      ["app", "0.1.0", ""],
      ["libc", "0.2.54", "pkg:cargo/libc@0.2.54"],
    ],
  );
  assert.deepEqual(cargo(packages[0]?.metadata), { kind: "cargo", dependencies: ["libc@0.2.54"] });
  assert.deepEqual(cargo(packages[1]?.metadata), {
    kind: "cargo",
    source: registry,
    checksum: sum("c"),
    dependencies: [],
  });
  assert.deepEqual(packages[1]?.licenses, []);
});

test("v1: the [root] table of very old lock files is the workspace's own crate", () => {
  const { packages, issues } = parse(`[root]
name = "old"
version = "0.0.1"
dependencies = ["libc 0.2.0 (${registry})"]

[[package]]
name = "libc"
version = "0.2.0"
source = "${registry}"
`);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.purl, cargo(p.metadata).dependencies]),
    [
      ["old", "", ["libc@0.2.0"]],
      ["libc", "pkg:cargo/libc@0.2.0", []],
    ],
  );
});

test("v3/v4: bare names, 'name version' when two versions are locked, inline checksums", () => {
  for (const version of [3, 4]) {
    const { packages, issues } = parse(`version = ${version}

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "memchr 1.0.2",
 "regex",
]

[[package]]
name = "memchr"
version = "1.0.2"
source = "${registry}"
checksum = "${sum("1")}"

[[package]]
name = "memchr"
version = "2.5.0"
source = "${registry}"
checksum = "${sum("2")}"

[[package]]
name = "regex"
version = "1.7.3"
source = "${registry}"
checksum = "${sum("3")}"
dependencies = ["memchr 2.5.0"]
`);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, cargo(p.metadata).checksum ?? null, cargo(p.metadata).dependencies]),
      [
        ["app", "0.1.0", null, ["memchr@1.0.2", "regex@1.7.3"]],
        ["memchr", "1.0.2", sum("1"), []],
        ["memchr", "2.5.0", sum("2"), []],
        ["regex", "1.7.3", sum("3"), ["memchr@2.5.0"]],
      ],
    );
  }
});

test("git dependencies: source kept, dependency sources matched without the commit", () => {
  const git = "git+https://git.example/rust-lang/regex.git";
  const { packages, issues } = parse(`version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["regex 1.11.1 (${git})", "user"]

[[package]]
name = "user"
version = "0.2.0"
source = "${registry}"
dependencies = ["regex 1.11.1 (${registry})"]

[[package]]
name = "regex"
version = "1.11.1"
source = "${registry}"

[[package]]
name = "regex"
version = "1.11.1"
source = "${git}#1a069b9232c607b34c4937122361aa075ef573fa"
`);
  assert.deepEqual(issues, []);
  const regex = packages.filter((p) => p.name === "regex");
  assert.deepEqual(
    regex.map((p) => [p.purl, cargo(p.metadata).source]),
    [
      ["pkg:cargo/regex@1.11.1", registry],
      ["pkg:cargo/regex@1.11.1", `${git}#1a069b9232c607b34c4937122361aa075ef573fa`],
    ],
  );
  assert.deepEqual(cargo(packages[0]?.metadata).dependencies, ["regex@1.11.1", "user@0.2.0"]);
});

test("dependencies missing from the lock file, or ambiguous, are dropped with an issue", () => {
  const { packages, issues } = parse(`[[package]]
name = "app"
version = "0.1.0"
dependencies = ["bogus", "two", "one 9.9.9", "  ", 42]

[[package]]
name = "two"
version = "1.0.0"
source = "${registry}"

[[package]]
name = "two"
version = "2.0.0"
source = "${registry}"

[[package]]
name = "one"
version = "1.0.0"
source = "${registry}"
`);
  assert.equal(packages.length, 4);
  assert.deepEqual(cargo(packages[0]?.metadata).dependencies, []);
  assert.deepEqual(issues, [
    "crate app 0.1.0: dependencies that are not strings were ignored",
    'crate app 0.1.0: dependency "bogus" is not in the lock file',
    'crate app 0.1.0: dependency "two" matches several locked crates',
    'crate app 0.1.0: dependency "one 9.9.9" is not in the lock file',
    'crate app 0.1.0: dependency "  " is not "name [version] [(source)]"',
  ]);
});

test("entries without a name or version are skipped with an issue", () => {
  const { packages, issues } = parse(`[[package]]
name = "noversion"

[[package]]
version = "1.0.0"

[[package]]
name = "ok"
version = "1.0.0"
source = "${registry}"
`);
  assert.deepEqual(
    packages.map((p) => p.name),
    ["ok"],
  );
  assert.deepEqual(issues, ["package 1: no name or version; skipped", "package 2: no name or version; skipped"]);
});

test("invalid TOML or a wrong shape gives an issue and no packages", () => {
  const invalid = parse(`[[package]]\nname = "normal"\nversion =\n`);
  assert.deepEqual(invalid.packages, []);
  assert.equal(invalid.issues.length, 1);
  assert.match(invalid.issues[0] ?? "", /^not a valid Cargo\.lock: .* \(line 3, column \d+\)$/);

  assert.deepEqual(parse(`package = "x"\n`), {
    packages: [],
    issues: ['not a valid Cargo.lock: "package" is not an array of tables'],
  });
  assert.deepEqual(parse(`# no packages yet\nversion = 4\n`), { packages: [], issues: [] });
  assert.deepEqual(parse(`package = [1, "x"]\n`), {
    packages: [],
    issues: ["package 1: not a table", "package 2: not a table"],
  });
});

test("a lock file version newer than v4 is read, with an issue", () => {
  const { packages, issues } = parse(
    `version = 5\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${registry}"\n`,
  );
  assert.equal(packages.length, 1);
  assert.deepEqual(issues, ["Cargo.lock version 5 is newer than this reader knows (4); read as version 4"]);
});

test("issues are capped", () => {
  const text = Array.from({ length: 50 }, (_, i) => `[[package]]\nname = "p${i}"\n`).join("\n");
  const { issues } = parse(text);
  assert.equal(issues.length, 21);
  assert.equal(issues.at(-1), "further problems not listed");
});

test("the cataloger wants Cargo.lock anywhere, with a size cap", () => {
  assert.deepEqual(cargoLock.wants.globs, ["/**/Cargo.lock"]);
  assert.ok(cargoLock.wants.maxBytes !== undefined);
  assert.notEqual(cargoLock.eager, true);
});
