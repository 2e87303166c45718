import { test } from "node:test";
import assert from "node:assert/strict";
import type { DotnetMetadata, PackageMetadata } from "../../model/package.ts";
import { parsePackagesLock } from "./parse-packages-lock.ts";

const parse = (document: unknown) => parsePackagesLock(Buffer.from(JSON.stringify(document)));

function dotnet(metadata: PackageMetadata | undefined): DotnetMetadata {
  assert.ok(metadata?.kind === "dotnet");
  return metadata;
}

const direct = (resolved: string, dependencies?: Record<string, string>) => ({
  type: "Direct",
  requested: `[${resolved}, )`,
  resolved,
  contentHash: `hash-${resolved}`,
  ...(dependencies && { dependencies }),
});
const transitive = (resolved: string, dependencies?: Record<string, string>) => ({
  type: "Transitive",
  resolved,
  contentHash: `hash-${resolved}`,
  ...(dependencies && { dependencies }),
});

test("one package per name and resolved version over all target frameworks", () => {
  const { packages, issues } = parse({
    version: 1,
    dependencies: {
      "net8.0": {
        AutoMapper: direct("13.0.1", { "Microsoft.Extensions.Options": "6.0.0" }),
        log4net: direct("2.0.5"),
        "Microsoft.Extensions.Options": transitive("9.0.0"),
        "my.lib": { type: "Project", dependencies: { log4net: "[2.0.5, )" } },
      },
      "net8.0/linux-x64": {
        "Microsoft.Extensions.Options": transitive("9.0.0"),
      },
      net48: {
        log4net: direct("1.2.15"),
        "Microsoft.Extensions.Options": direct("9.0.0"),
      },
    },
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => p.purl),
    [
      "pkg:nuget/AutoMapper@13.0.1",
      "pkg:nuget/log4net@2.0.5",
      "pkg:nuget/Microsoft.Extensions.Options@9.0.0",
      "pkg:nuget/log4net@1.2.15",
    ],
  );
  assert.deepEqual(packages[0]?.metadata, {
    kind: "dotnet",
    source: "packages.lock.json",
    relationship: "direct",
    sha512: "hash-13.0.1",
    targetFrameworks: ["net8.0"],
    requested: "[13.0.1, )",
    // The version resolved for the same framework, not the lowest one the entry accepts.
    dependencies: ["Microsoft.Extensions.Options@9.0.0"],
  });
  const options = dotnet(packages[2]?.metadata);
  assert.equal(options.relationship, "direct", "direct in one framework is direct");
  assert.deepEqual(options.targetFrameworks, ["net8.0", "net8.0/linux-x64", "net48"]);
  assert.equal(options.requested, "[9.0.0, )");
});

test("transitive and central transitive entries are indirect", () => {
  const { packages } = parse({
    version: 2,
    dependencies: { "net8.0": { A: transitive("1.0.0"), B: { type: "CentralTransitive", resolved: "2.0.0" } } },
  });
  assert.deepEqual(
    packages.map((p) => dotnet(p.metadata).relationship),
    ["indirect", "indirect"],
  );
});

test("licenses come from the lookup", () => {
  const { packages } = parsePackagesLock(
    Buffer.from(JSON.stringify({ version: 1, dependencies: { "net8.0": { A: direct("1.0.0") } } })),
    { licenses: () => ["Apache-2.0"] },
  );
  assert.deepEqual(packages[0]?.licenses, ["Apache-2.0"]);
});

test("bad input gives issues, never a throw", () => {
  assert.match(parsePackagesLock(Buffer.from("{")).issues[0] ?? "", /^invalid JSON/);
  assert.deepEqual(parse("x").issues, ["packages.lock.json is not a JSON object"]);
  assert.deepEqual(parse({ version: 1, dependencies: [] }).issues, ['"dependencies" is not an object']);
  assert.deepEqual(parse({ version: 1 }), { packages: [], issues: [] });
  const { packages, issues } = parse({
    version: 3,
    dependencies: { bad: 1, "net8.0": { A: "1.0.0", B: { type: "Direct" }, C: direct("1.0.0") } },
  });
  assert.deepEqual(
    packages.map((p) => p.name),
    ["C"],
  );
  assert.deepEqual(issues, [
    "lock file version 3 is newer than 2; read as version 2",
    'target framework "bad": not an object',
    'net8.0: "A" is not an object',
    'net8.0: "B" has no resolved version',
  ]);
});
