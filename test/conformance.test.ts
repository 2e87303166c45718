// Runs shared/conformance/{dpkg,apk,node}/cases.json against the registered catalogers: single-file
// cases through the cataloger's parse, root-filesystem cases through the whole scan.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import type { Cataloger, CollectedFile, FileView, PackageDraft, ParseContext } from "../src/catalog/cataloger.ts";
import { catalogers } from "../src/catalog/registry.ts";
import { defaultLimits } from "../src/limits.ts";
import type { LayerRef } from "../src/model/layer.ts";
import type { ApkMetadata, DpkgMetadata, NpmMetadata } from "../src/model/package.ts";
import { scanImage } from "../src/scan.ts";
import { openSource } from "../src/source/open.ts";

const ecosystemsUnderTest = ["dpkg", "apk", "node"];

/** Case kind → the cataloger whose parse handles one such file. */
const parserKinds: Record<string, string> = {
  "dpkg-status": "dpkg-status",
  "apk-installed": "apk-installed",
  "npm-package-json": "npm-package-json",
};

/** Case kind → the cataloger whose packages and issues a root-filesystem scan is judged on. */
const rootfsKinds: Record<string, string> = {
  "dpkg-rootfs": "dpkg-status",
  "apk-installed-rootfs": "apk-installed",
};

/**
 * Where we deliberately differ from a peer. Each key is "<ecosystem>/<case id> <aspect>" as
 * compareCase reports it; the test fails when one of these stops occurring or another appears.
 */
const disagreements: ReadonlyArray<{ key: string; reason: string }> = [
  {
    key: "apk/trivy-apk-installed licenses",
    reason:
      "we keep apk L: tokens as written (Syft); Trivy normalises them to SPDX ids (GPL2 -> GPL-2.0-only). " +
      "Names, versions, origin, arch, maintainer and checksum are still compared",
  },
  {
    key: "apk/syft-apk-single purl",
    reason:
      "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
  },
  {
    key: "apk/syft-apk-empty-deps-and-provides purl",
    reason:
      "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
  },
  {
    key: "apk/syft-apk-base purl",
    reason:
      "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
  },
  {
    key: "node/trivy-without-version packages",
    reason: "Trivy's parser returns a package.json without a version; its analyzer, like us, drops it",
  },
  {
    key: "node/trivy-without-name-and-version packages",
    reason: "Trivy's parser returns a nameless package.json; its analyzer, like us, drops it",
  },
  {
    key: "node/syft-partial packages",
    reason: "Syft emits a package with an empty name and version; we follow Trivy's analyzer and drop it",
  },
];

for (const ecosystem of ecosystemsUnderTest) {
  test(`conformance ${ecosystem}`, async (t) => {
    let agreeing = 0;
    let disagreeing = 0;
    for (const c of loadCases(ecosystem)) {
      const listed = new Set(disagreements.filter((d) => d.key.startsWith(`${ecosystem}/${c.id} `)).map((d) => d.key));
      if (listed.size > 0) disagreeing++;
      else agreeing++;
      await t.test(`${c.id} (${c.kind})`, async () => {
        const { unexpected, vanished } = unexplained(compareCase(c, await run(c)), listed);
        assert.deepEqual(unexpected, [], `differs from the peer (${c.input})`);
        assert.deepEqual(vanished, [], "a listed disagreement no longer occurs: remove it from the list");
      });
    }
    t.diagnostic(`${ecosystem}: ${agreeing} cases agree with the peers, ${disagreeing} have listed disagreements`);
  });
}

test("every listed disagreement names a case of the corpus and gives a reason", () => {
  const known = new Set(
    ecosystemsUnderTest.flatMap((ecosystem) => loadCases(ecosystem).map((c) => `${ecosystem}/${c.id}`)),
  );
  for (const { key, reason } of disagreements) {
    assert.ok(known.has(key.slice(0, key.indexOf(" "))), `unknown case in "${key}"`);
    assert.ok(reason.length > 0, `no reason for "${key}"`);
  }
});

function run(c: ConformanceCase): Promise<Outcome> {
  const rootfsCataloger = rootfsKinds[c.kind];
  if (rootfsCataloger !== undefined) return scanRootfs(c.input, rootfsCataloger);
  const parserName = parserKinds[c.kind];
  assert.ok(parserName, `no cataloger for case kind "${c.kind}": add it to parserKinds or rootfsKinds`);
  const cataloger = catalogers.find((candidate) => candidate.name === parserName);
  assert.ok(cataloger, `cataloger "${parserName}" is not registered`);
  return parseOne(c.input, cataloger);
}

// ---- single files: the cataloger's parse, with the case's sibling files as the view ----

const layer: LayerRef = { index: 0, digest: "sha256:conformance", diffId: "sha256:conformance" };

async function parseOne(input: string, cataloger: Cataloger): Promise<Outcome> {
  const root = testdataRoot(input);
  const file: CollectedFile = { path: imagePath(root, input), layer, content: readFileSync(input) };
  // The single-file cases come without os-release, so no distro: purls get no distro qualifier.
  const ctx: ParseContext = { distro: undefined, view: directoryView(root), limits: defaultLimits };
  try {
    const result = await cataloger.parse(file, ctx);
    return { packages: result.packages, issues: result.issues };
  } catch (thrown) {
    return { packages: [], issues: [], thrown };
  }
}

/** The peer's testdata directory stands for "/": status.d/single is read as /var/lib/dpkg/status.d/single. */
function testdataRoot(input: string): string {
  for (let dir = dirname(input); dir !== dirname(dir); dir = dirname(dir)) {
    if (dir.endsWith(`${sep}testdata`)) return dir;
  }
  return dirname(input);
}

function imagePath(root: string, onDisk: string): string {
  return `/${relative(root, onDisk).split(sep).join("/")}`;
}

/** The case's sibling files, read on demand, as a FileView. */
function directoryView(root: string): FileView {
  const collected = (onDisk: string): CollectedFile => ({
    path: imagePath(root, onDisk),
    layer,
    content: readFileSync(onDisk),
  });
  return {
    get: (path) => {
      const onDisk = join(root, path);
      return existsSync(onDisk) && statSync(onDisk).isFile() ? collected(onDisk) : undefined;
    },
    list: (dir) => {
      const base = join(root, dir);
      if (!existsSync(base) || !statSync(base).isDirectory()) return [];
      return readdirSync(base, { recursive: true, encoding: "utf8" })
        .map((entry) => join(base, entry))
        .filter((onDisk) => statSync(onDisk).isFile())
        .map(collected);
    },
  };
}

// ---- root filesystems: the whole scan of a "dir:" source ----

async function scanRootfs(dir: string, catalogerName: string): Promise<Outcome> {
  try {
    const source = await openSource(`dir:${dir}`);
    try {
      const inventory = await scanImage(source);
      return {
        packages: inventory.packages.filter((p) => p.foundBy === catalogerName),
        issues: inventory.issues.filter((issue) => issue.cataloger === catalogerName).map((issue) => issue.message),
      };
    } finally {
      await source.close();
    }
  } catch (thrown) {
    return { packages: [], issues: [], thrown };
  }
}

// ---- the corpus and the comparison ----

/** The corpus lives beside the repository: <repo>/../shared/conformance. */
const repoRoot = new URL("..", import.meta.url);
const corpusRoot = new URL("../shared/conformance/", repoRoot);

type JsonObject = { readonly [key: string]: unknown };

interface ExpectedPackage {
  name: string;
  /** Every asserted key, name included, as written in cases.json. */
  fields: JsonObject;
}

interface ConformanceCase {
  ecosystem: string;
  id: string;
  kind: string;
  /** Absolute path of the input file or directory. */
  input: string;
  expected: ExpectedPackage[];
  expectError: boolean;
  partial: boolean;
  mustNotContain: string[];
  /** package → names it depends on; the package list itself is then not asserted. */
  expectedDependencies: Record<string, string[]> | undefined;
}

/** What a cataloger or the scan reported, reduced to what the peers can assert. */
type Reported = Pick<PackageDraft, "name" | "version" | "purl" | "licenses" | "metadata">;

interface Outcome {
  packages: readonly Reported[];
  issues: readonly string[];
  /** Set when parsing threw: always a failure, never a disagreement. */
  thrown?: unknown;
}

/** One way our result differs from a case: `key` is "<ecosystem>/<case id> <aspect>". */
interface Finding {
  key: string;
  detail: string;
}

function loadCases(ecosystem: string): ConformanceCase[] {
  const file = new URL(`${ecosystem}/cases.json`, corpusRoot);
  if (!existsSync(file)) throw new Error(`conformance corpus not found at ${fileURLToPath(file)}`);
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  const cases = isObject(parsed) ? parsed["cases"] : undefined;
  if (!Array.isArray(cases)) throw new Error(`${ecosystem}/cases.json: no "cases" array`);
  return cases.map((value, index) => toCase(ecosystem, value, index));
}

function toCase(ecosystem: string, value: unknown, index: number): ConformanceCase {
  const where = `${ecosystem}/cases.json case ${index}`;
  if (!isObject(value)) throw new Error(`${where}: not an object`);
  const id = requireString(value["id"], `${where}: id`);
  const input = requireString(value["input"], `${where}: input`);
  const expected = value["expected"];
  if (!Array.isArray(expected)) throw new Error(`${where}: expected is not an array`);
  return {
    ecosystem,
    id,
    kind: requireString(value["kind"], `${where}: kind`),
    input: fileURLToPath(new URL(`${ecosystem}/${input}`, corpusRoot)),
    expected: expected.map((item, n) => {
      if (!isObject(item)) throw new Error(`${where}: expected[${n}] is not an object`);
      return { name: requireString(item["name"], `${where}: expected[${n}].name`), fields: item };
    }),
    expectError: value["expect_error"] === true,
    partial: value["partial"] === true,
    mustNotContain: stringList(value["must_not_contain"]) ?? [],
    expectedDependencies: dependencyMap(value["expected_dependencies"]),
  };
}

type FieldCheck = (ours: Reported, expected: unknown) => boolean;

const commonFields: Record<string, FieldCheck> = {
  version: (p, e) => p.version === e,
  purl: (p, e) => p.purl === e,
  // null: the peer asserts no licenses.
  licenses: (p, e) => sameSet(p.licenses, e === null ? [] : (stringList(e) ?? [])),
  // Trivy's package ID: name@version, or "" without a version.
  id: (p, e) => (p.version === "" ? "" : `${p.name}@${p.version}`) === e,
};

const dpkg = (p: Reported): DpkgMetadata | undefined => (p.metadata.kind === "dpkg" ? p.metadata : undefined);
const apk = (p: Reported): ApkMetadata | undefined => (p.metadata.kind === "apk" ? p.metadata : undefined);
const npm = (p: Reported): NpmMetadata | undefined => (p.metadata.kind === "npm" ? p.metadata : undefined);

const fieldsByEcosystem: Record<string, Record<string, FieldCheck>> = {
  dpkg: {
    source: (p, e) => dpkg(p)?.source === e,
    architecture: (p, e) => dpkg(p)?.architecture === e,
    installed_size: (p, e) => dpkg(p)?.installedSize === e,
    maintainer: (p, e) => dpkg(p)?.maintainer === e,
    provides: (p, e) => sameSet(dpkg(p)?.provides, stringList(e)),
    depends: (p, e) => sameSet(dpkg(p)?.depends, stringList(e)),
    pre_depends: (p, e) => sameSet(dpkg(p)?.preDepends, stringList(e)),
    // opkg's License field as written; we split it into `licenses` (Syft's rule).
    license_raw: (p, e) => p.licenses.join(" ") === e,
  },
  apk: {
    origin_package: (p, e) => apk(p)?.origin === e,
    src_name: (p, e) => apk(p)?.origin === e,
    // apk origins are built at the package's own version.
    src_version: (p, e) => p.version === e,
    architecture: (p, e) => apk(p)?.architecture === e,
    arch: (p, e) => apk(p)?.architecture === e,
    maintainer: (p, e) => apk(p)?.maintainer === e,
    dependencies_raw: (p, e) => sameSet(apk(p)?.dependencies, stringList(e)),
    provides: (p, e) => sameSet(apk(p)?.provides, stringList(e)),
    checksum: (p, e) => apk(p)?.checksum === e,
    // Trivy's digest is the C: checksum ("Q1" + base64 SHA-1) written as "sha1:<hex>".
    digest: (p, e) => apkDigest(apk(p)?.checksum) === e,
  },
  node: {
    author: (p, e) => npm(p)?.author === e,
    private: (p, e) => npm(p)?.private === e,
  },
};

/** Fields the peers assert that our model does not carry: not compared, with the reason. */
const unmodelledFields: Record<string, string> = {
  depends_on: "dependency relationships between packages are not in the model yet",
  dependencies: "declared dependency ranges of package.json are not in the model",
  optional_dependencies: "declared dependency ranges of package.json are not in the model",
  dev_dependencies: "declared dependency ranges of package.json are not in the model",
  workspaces: "package.json workspaces are not in the model",
};

/** Per-ecosystem unmodelled fields (where the same key is compared in another ecosystem). */
const unmodelledByEcosystem: Record<string, Record<string, string>> = {
  node: { digest: "catalogers do not hash package.json files (Trivy asserts it only with checksums enabled)" },
};

/** Every way `outcome` differs from what the case asserts. */
function compareCase(c: ConformanceCase, outcome: Outcome): Finding[] {
  const findings: Finding[] = [];
  const add = (aspect: string, detail: string): void => {
    findings.push({ key: `${c.ecosystem}/${c.id} ${aspect}`, detail });
  };
  if (outcome.thrown !== undefined) {
    add("threw", inspect(outcome.thrown));
    return findings;
  }
  if (c.expectError && outcome.issues.length === 0) add("error", "the peer expects an error; we reported no issue");

  const unmatched = [...outcome.packages];
  const mismatches = new Map<string, string[]>();
  for (const expected of c.expected) {
    const index = findPackage(unmatched, expected);
    const ours = index >= 0 ? unmatched.splice(index, 1)[0] : undefined;
    if (!ours) {
      add("packages", `missing ${expected.name} ${JSON.stringify(expected.fields["version"] ?? null)}`);
      continue;
    }
    for (const [field, value] of Object.entries(expected.fields)) {
      if (field === "name" || field in unmodelledFields || field in (unmodelledByEcosystem[c.ecosystem] ?? {}))
        continue;
      const check = commonFields[field] ?? fieldsByEcosystem[c.ecosystem]?.[field];
      if (!check) {
        add(`unknown field ${field}`, "the corpus asserts a field this test does not know: decide how to compare it");
      } else if (!check(ours, value)) {
        const list = mismatches.get(field) ?? [];
        list.push(`${ours.name}: expected ${JSON.stringify(value)}, got ${describe(ours, field)}`);
        mismatches.set(field, list);
      }
    }
  }
  for (const [field, details] of mismatches) add(field, details.join("; "));

  const listAsserted = !c.partial && !c.expectError && c.expectedDependencies === undefined;
  if (listAsserted && unmatched.length > 0) {
    add("packages", `unexpected ${unmatched.map((p) => `${p.name}@${p.version}`).join(", ")}`);
  }
  for (const name of c.mustNotContain) {
    if (outcome.packages.some((p) => p.name === name)) add("must_not_contain", `reported ${name}`);
  }
  if (c.expectedDependencies) {
    const names = new Set(outcome.packages.map((p) => p.name));
    const wanted = new Set(Object.entries(c.expectedDependencies).flatMap(([from, to]) => [from, ...to]));
    const absent = [...wanted].filter((name) => !names.has(name));
    if (absent.length > 0) add("packages", `packages named in expected_dependencies are missing: ${absent.join(", ")}`);
  }
  return findings;
}

/** By name, preferring the same version when several packages share the name. */
function findPackage(candidates: readonly Reported[], expected: ExpectedPackage): number {
  const version = expected.fields["version"];
  const sameVersion = candidates.findIndex((p) => p.name === expected.name && p.version === version);
  return sameVersion >= 0 ? sameVersion : candidates.findIndex((p) => p.name === expected.name);
}

function describe(p: Reported, field: string): string {
  if (field === "purl") return JSON.stringify(p.purl);
  if (field === "licenses" || field === "license_raw") return JSON.stringify(p.licenses);
  if (field === "version" || field === "id") return JSON.stringify(p.version);
  return JSON.stringify(p.metadata);
}

function apkDigest(checksum: string | undefined): string | undefined {
  if (!checksum?.startsWith("Q1")) return undefined;
  return `sha1:${Buffer.from(checksum.slice(2), "base64").toString("hex")}`;
}

function sameSet(ours: readonly string[] | undefined, expected: readonly string[] | undefined): boolean {
  if (ours === undefined || expected === undefined) return false;
  const a = [...new Set(ours)].sort();
  const b = [...new Set(expected)].sort();
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`${what} is not a string`);
  return value;
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter((item): item is string => typeof item === "string");
  return strings.length === value.length ? strings : undefined;
}

function dependencyMap(value: unknown): Record<string, string[]> | undefined {
  if (!isObject(value)) return undefined;
  const map: Record<string, string[]> = {};
  for (const [name, deps] of Object.entries(value)) map[name] = stringList(deps) ?? [];
  return map;
}

/** Compares found keys with the listed disagreements of one case, for a readable assertion. */
function unexplained(
  findings: readonly Finding[],
  listed: ReadonlySet<string>,
): { unexpected: Finding[]; vanished: string[] } {
  const found = new Set(findings.map((f) => f.key));
  return {
    unexpected: findings.filter((f) => !listed.has(f.key)),
    vanished: [...listed].filter((key) => !found.has(key)),
  };
}
