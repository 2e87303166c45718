// Runs a shared/conformance/<ecosystem>/cases.json against the registered catalogers: single-file
// cases through the cataloger's parse, root-filesystem cases through the whole scan of a "dir:" source.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import type { Cataloger, CollectedFile, FileView, PackageDraft, ParseContext } from "../../src/catalog/cataloger.ts";
import { catalogers } from "../../src/catalog/registry.ts";
import { InterestMatcher } from "../../src/image/interest.ts";
import { defaultLimits } from "../../src/limits.ts";
import type { LayerRef } from "../../src/model/layer.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";

export interface EcosystemSpec {
  /** The folder name under shared/conformance. */
  ecosystem: string;
  /** Case kind → the cataloger whose parse handles one such file. */
  parserKinds: Record<string, string>;
  /** Case kind → the cataloger whose packages and issues a root-filesystem scan is judged on. */
  rootfsKinds?: Record<string, string>;
  /** How to compare each ecosystem-specific asserted field (version, purl, licenses, id are common). */
  fields: Record<string, FieldCheck>;
  /** Asserted fields our model does not carry: not compared, with the reason. */
  unmodelled?: Record<string, string>;
  /**
   * Where we deliberately differ from a peer. Each key is "<ecosystem>/<case id> <aspect>" as
   * compareCase reports it; the test fails when one of these stops occurring or another appears.
   */
  disagreements: ReadonlyArray<{ key: string; reason: string }>;
  /** The catalogers to run (default: the registry). */
  catalogers?: readonly Cataloger[];
}

export function conformanceSuite(spec: EcosystemSpec): void {
  const { ecosystem, disagreements } = spec;
  test(`conformance ${ecosystem}`, async (t) => {
    let agreeing = 0;
    let disagreeing = 0;
    for (const c of loadCases(ecosystem)) {
      const listed = new Set(disagreements.filter((d) => d.key.startsWith(`${ecosystem}/${c.id} `)).map((d) => d.key));
      if (listed.size > 0) disagreeing++;
      else agreeing++;
      await t.test(`${c.id} (${c.kind})`, async () => {
        const { unexpected, vanished } = unexplained(compareCase(spec, c, await run(spec, c)), listed);
        assert.deepEqual(unexpected, [], `differs from the peer (${c.input})`);
        assert.deepEqual(vanished, [], "a listed disagreement no longer occurs: remove it from the list");
      });
    }
    t.diagnostic(`${ecosystem}: ${agreeing} cases agree with the peers, ${disagreeing} have listed disagreements`);
  });

  test(`conformance ${ecosystem}: every listed disagreement names a case and gives a reason`, () => {
    const known = new Set(loadCases(ecosystem).map((c) => `${ecosystem}/${c.id}`));
    for (const { key, reason } of disagreements) {
      assert.ok(known.has(key.slice(0, key.indexOf(" "))), `unknown case in "${key}"`);
      assert.ok(reason.length > 0, `no reason for "${key}"`);
    }
  });
}

function run(spec: EcosystemSpec, c: ConformanceCase): Promise<Outcome> {
  const rootfsCataloger = spec.rootfsKinds?.[c.kind];
  if (rootfsCataloger !== undefined) return scanRootfs(c.input, rootfsCataloger, spec.catalogers ?? catalogers);
  const parserName = spec.parserKinds[c.kind];
  assert.ok(parserName, `no cataloger for case kind "${c.kind}": add it to parserKinds or rootfsKinds`);
  const cataloger = (spec.catalogers ?? catalogers).find((candidate) => candidate.name === parserName);
  assert.ok(cataloger, `cataloger "${parserName}" is not registered`);
  return parseOne(c.input, cataloger);
}

// ---- single files: the cataloger's parse, with the case's sibling files as the view ----

const layer: LayerRef = { index: 0, digest: "sha256:conformance", diffId: "sha256:conformance" };

async function parseOne(input: string, cataloger: Cataloger): Promise<Outcome> {
  const root = testdataRoot(input);
  // A directory input (a peer's analyzer test dir): every file in it the cataloger wants.
  const inputs = statSync(input).isDirectory() ? wantedFiles(root, input, cataloger) : [input];
  // The single-file cases come without os-release, so no distro: purls get no distro qualifier.
  const ctx: ParseContext = { distro: undefined, view: directoryView(root), limits: defaultLimits };
  const packages: PackageDraft[] = [];
  const issues: string[] = [];
  try {
    for (const onDisk of inputs) {
      const file: CollectedFile = { path: imagePath(root, onDisk), layer, content: readFileSync(onDisk) };
      const result = await cataloger.parse(file, ctx);
      packages.push(...result.packages);
      issues.push(...result.issues);
    }
    return { packages, issues };
  } catch (thrown) {
    return { packages: [], issues: [], thrown };
  }
}

/** The files under `dir` that the cataloger's interest picks (context files excluded), in path order. */
function wantedFiles(root: string, dir: string, cataloger: Cataloger): string[] {
  const { context, ...primary } = cataloger.wants;
  const matcher = new InterestMatcher([{ owner: cataloger, interest: primary }]);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((entry) => join(dir, entry))
    .filter((onDisk) => statSync(onDisk).isFile() && matcher.match(imagePath(root, onDisk)).length > 0)
    .sort();
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

async function scanRootfs(dir: string, catalogerName: string, list: readonly Cataloger[]): Promise<Outcome> {
  try {
    const source = await openSource(`dir:${dir}`);
    try {
      const inventory = await scanImage(source, { catalogers: list });
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
const repoRoot = new URL("../..", import.meta.url);
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
export type Reported = Pick<PackageDraft, "name" | "version" | "purl" | "licenses" | "metadata">;

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

export type FieldCheck = (ours: Reported, expected: unknown) => boolean;

const commonFields: Record<string, FieldCheck> = {
  version: (p, e) => p.version === e,
  purl: (p, e) => p.purl === e,
  // null: the peer asserts no licenses.
  licenses: (p, e) => sameSet(p.licenses, e === null ? [] : (stringList(e) ?? [])),
  // Trivy's package ID: name@version, or "" without a version.
  id: (p, e) => (p.version === "" ? "" : `${p.name}@${p.version}`) === e,
};

/** Fields the peers assert that our model does not carry in any ecosystem: not compared, with the reason. */
const unmodelledFields: Record<string, string> = {
  depends_on: "dependency relationships between packages are not in the model yet",
  dependencies: "declared dependency ranges are not in the model",
  optional_dependencies: "declared dependency ranges are not in the model",
  dev_dependencies: "declared dependency ranges are not in the model",
  workspaces: "workspaces are not in the model",
};

/** Every way `outcome` differs from what the case asserts. */
function compareCase(spec: EcosystemSpec, c: ConformanceCase, outcome: Outcome): Finding[] {
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
      if (field === "name" || field in unmodelledFields || field in (spec.unmodelled ?? {})) continue;
      const check = spec.fields[field] ?? commonFields[field];
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

export function apkDigest(checksum: string | undefined): string | undefined {
  if (!checksum?.startsWith("Q1")) return undefined;
  return `sha1:${Buffer.from(checksum.slice(2), "base64").toString("hex")}`;
}

export function sameSet(ours: readonly string[] | undefined, expected: readonly string[] | undefined): boolean {
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

export function stringList(value: unknown): string[] | undefined {
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
