import { test } from "node:test";
import assert from "node:assert/strict";
import type { DotnetMetadata, PackageMetadata } from "../../model/package.ts";
import { parseDepsJson } from "./parse-deps-json.ts";

const parse = (document: unknown, fileName?: string) =>
  parseDepsJson(Buffer.from(JSON.stringify(document)), fileName === undefined ? {} : { fileName });

function dotnet(metadata: PackageMetadata | undefined): DotnetMetadata {
  assert.ok(metadata?.kind === "dotnet");
  return metadata;
}

const target = ".NETCoreApp,Version=v8.0";
const project = { type: "project", serviceable: false, sha512: "" };
const pkg = (name: string, version: string) => ({
  type: "package",
  serviceable: true,
  sha512: "sha512-AAAA",
  path: `${name.toLowerCase()}/${version}`,
});
const dll = (name: string) => ({ runtime: { [`lib/net8.0/${name}.dll`]: {} } });

/** An app "App" using A (which uses B), a project reference Lib (which uses C), and a meta package M. */
const app = {
  runtimeTarget: { name: target, signature: "" },
  targets: {
    [target]: {
      "App/1.0.0": { dependencies: { A: "1.0.0", Lib: "1.0.0", M: "2.0.0" }, runtime: { "App.dll": {} } },
      "A/1.0.0": { dependencies: { B: "1.1.0" }, ...dll("A") },
      "B/1.1.0": dll("B"),
      "Lib/1.0.0": { dependencies: { C: "3.0.0" }, runtime: { "Lib.dll": {} } },
      "C/3.0.0": { runtimeTargets: { "runtimes/linux-x64/native/libc.so": { rid: "linux-x64", assetType: "native" } } },
      "M/2.0.0": { dependencies: { B: "1.1.0" } },
    },
  },
  libraries: {
    "App/1.0.0": project,
    "A/1.0.0": pkg("A", "1.0.0"),
    "B/1.1.0": pkg("B", "1.1.0"),
    "Lib/1.0.0": project,
    "C/3.0.0": pkg("C", "3.0.0"),
    "M/2.0.0": pkg("M", "2.0.0"),
  },
};

test("reports packages with their relationship to the root project; projects are not packages", () => {
  const { packages, issues } = parse(app, "App.deps.json");
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version, p.purl]),
    [
      ["A", "1.0.0", "pkg:nuget/A@1.0.0"],
      ["B", "1.1.0", "pkg:nuget/B@1.1.0"],
      ["C", "3.0.0", "pkg:nuget/C@3.0.0"],
    ],
  );
  assert.deepEqual(packages[0], {
    name: "A",
    version: "1.0.0",
    purl: "pkg:nuget/A@1.0.0",
    licenses: [],
    metadata: {
      kind: "dotnet",
      source: "deps.json",
      relationship: "direct",
      project: { name: "App", version: "1.0.0" },
      libraryType: "package",
      sha512: "AAAA",
      path: "a/1.0.0",
      targetFrameworks: [target],
      dependencies: ["B@1.1.0"],
    },
  });
  assert.equal(dotnet(packages[1]?.metadata).relationship, "indirect");
  // C comes through the project reference Lib: indirect.
  assert.equal(dotnet(packages[2]?.metadata).relationship, "indirect");
});

test("libraries the target lists without runtime, runtimeTargets or native assets are left out", () => {
  const names = parse(app).packages.map((p) => p.name);
  assert.ok(!names.includes("M"), "a meta package without assets");
  const withNative = structuredClone(app);
  withNative.targets[target]["M/2.0.0"] = { dependencies: { B: "1.1.0" }, native: { "m.so": {} } } as never;
  assert.ok(parse(withNative).packages.some((p) => p.name === "M"));
  // A library the target does not list at all is kept.
  const unlisted = structuredClone(app);
  Object.assign(unlisted.libraries, { "D/4.0.0": pkg("D", "4.0.0") });
  assert.ok(parse(unlisted).packages.some((p) => p.name === "D"));
});

test("self-contained apps: runtime packs are reported under the runtime's package name", () => {
  const rid = `${target}/linux-x64`;
  const { packages, issues } = parse({
    runtimeTarget: { name: rid },
    targets: {
      [target]: {},
      [rid]: {
        "App/1.0.0": {
          dependencies: { "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64": "8.0.11" },
          runtime: { "App.dll": {} },
        },
        "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.11": {
          runtime: { "System.Private.CoreLib.dll": {} },
          native: { "libcoreclr.so": {} },
        },
      },
    },
    libraries: {
      "App/1.0.0": project,
      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.11": { type: "runtimepack", sha512: "" },
    },
  });
  assert.deepEqual(issues, []);
  assert.equal(packages.length, 1);
  assert.equal(packages[0]?.purl, "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.11");
  const metadata = dotnet(packages[0]?.metadata);
  assert.equal(metadata.libraryType, "runtimepack");
  assert.equal(metadata.relationship, "direct");
  assert.equal(metadata.sha512, undefined);
  assert.deepEqual(metadata.targetFrameworks, [rid]);
});

test("a missing runtime target: every package, no relationships, the root found by the file name", () => {
  const missing = { ...app, runtimeTarget: { name: ".NETCoreApp,Version=v9.0" } };
  const { packages, issues } = parse(missing, "App.deps.json");
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => p.name),
    ["A", "B", "C", "M"],
  );
  for (const p of packages) {
    assert.equal(dotnet(p.metadata).relationship, undefined);
    // Without a target no project is known to be referenced: App and Lib are both candidates.
    assert.deepEqual(dotnet(p.metadata).project, { name: "App", version: "1.0.0" });
    assert.deepEqual(dotnet(p.metadata).targetFrameworks, []);
  }
  // Without runtimeTarget, a single target is the one.
  const noRuntimeTarget = { targets: app.targets, libraries: app.libraries };
  assert.equal(dotnet(parse(noRuntimeTarget).packages[0]?.metadata).relationship, "direct");
});

test("the root project: the one no library depends on, else the one named like the file", () => {
  const twoApps = {
    runtimeTarget: { name: target },
    targets: { [target]: { "Web/1.0.0": { dependencies: { A: "1.0.0" } }, "Worker/1.0.0": {}, "A/1.0.0": dll("A") } },
    libraries: { "Web/1.0.0": project, "Worker/1.0.0": project, "A/1.0.0": pkg("A", "1.0.0") },
  };
  const ambiguous = dotnet(parse(twoApps, "app.deps.json").packages[0]?.metadata);
  assert.equal(ambiguous.project, undefined);
  assert.equal(ambiguous.relationship, undefined);
  const named = dotnet(parse(twoApps, "web.deps.json").packages[0]?.metadata);
  assert.deepEqual(named.project, { name: "Web", version: "1.0.0" });
  assert.equal(named.relationship, "direct");
});

test("reference assemblies and other library types are not packages", () => {
  const { packages } = parse({
    runtimeTarget: { name: target },
    targets: { [target]: { "X/10.0.0.0": { compile: { "X.dll": {} } } } },
    libraries: { "X/10.0.0.0": { type: "referenceassembly" }, "Y/1.0.0": { type: "msbuildproject" } },
  });
  assert.deepEqual(packages, []);
});

test("no libraries: nothing and no issue", () => {
  assert.deepEqual(parse({ runtimeTarget: { name: target }, targets: { [target]: {} } }), { packages: [], issues: [] });
});

test("licenses come from the lookup", () => {
  const { packages } = parseDepsJson(Buffer.from(JSON.stringify(app)), {
    licenses: (name, version) => (name === "A" && version === "1.0.0" ? ["MIT"] : []),
  });
  assert.deepEqual(
    packages.map((p) => p.licenses),
    [["MIT"], [], []],
  );
});

test("bad input gives issues, never a throw", () => {
  assert.match(parseDepsJson(Buffer.from('{ "libraries": ')).issues[0] ?? "", /^invalid JSON/);
  assert.deepEqual(parse([1, 2]).issues, ["deps.json is not a JSON object"]);
  assert.deepEqual(parse({ libraries: [] }).issues, ['"libraries" is not an object']);
  const { packages, issues } = parse({
    targets: { [target]: "nope" },
    runtimeTarget: { name: target },
    libraries: {
      "no-version": pkg("x", "1"),
      "/1.0.0": pkg("x", "1"),
      "Z/1.0.0": "nope",
      "A/1.0.0": pkg("A", "1.0.0"),
    },
  });
  assert.deepEqual(
    packages.map((p) => p.name),
    ["A"],
  );
  assert.deepEqual(issues, [
    `target "${target}" is not an object`,
    'library "no-version": not "<name>/<version>"',
    'library "/1.0.0": not "<name>/<version>"',
    'library "Z/1.0.0": not an object',
  ]);
  assert.deepEqual(parseDepsJson(Buffer.from("\uFEFF{}")), { packages: [], issues: [] });
});
