import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError, LimitError } from "../errors.ts";
import type { Finding } from "../model/finding.ts";
import { applyIgnores, type IgnoreRule, maxIgnoreFileBytes, parseIgnoreFile, readIgnoreFile } from "./ignore-file.ts";

let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-ignore-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const layer = { index: 0, digest: "sha256:00", diffId: "sha256:00" };

function finding(id: string, aliases: string[], packageName: string, purl: string): Finding {
  return {
    id,
    aliases,
    advisories: [id],
    packageId: `${purl}#0`,
    packageName,
    ecosystem: "npm",
    purl,
    installedVersion: "1.0.0",
    fixedVersions: [],
    severity: { rating: "high", source: "label" },
    layer,
    detection: "sca",
    references: [],
  };
}

const lodash = finding("CVE-2021-23337", ["GHSA-35jh-r3h4-6jhm"], "lodash", "pkg:npm/lodash@4.17.20");
const lodashMerge = finding("CVE-2021-23337", ["GHSA-35jh-r3h4-6jhm"], "lodash.merge", "pkg:npm/lodash.merge@4.6.1");
const openssl = finding(
  "CVE-2023-5678",
  ["DSA-5532-1"],
  "libssl3",
  "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12",
);

const yaml = (text: string): IgnoreRule[] => parseIgnoreFile(text, { format: "yaml", source: "ignore.yaml" });
const rule = (fields: Omit<IgnoreRule, "reason">): IgnoreRule => ({ reason: "accepted", ...fields });

test("YAML: an `ignore` list; dates stay strings and a date is valid through that day (UTC)", () => {
  const rules = yaml(`
ignore:
  - id: CVE-2021-23337
    package: pkg:npm/lodash
    reason: "template() is never called with user input"
    expires: 2030-06-30
  - id: 12345
    reason: numbers are read as text
`);
  assert.deepEqual(rules, [
    {
      id: "CVE-2021-23337",
      package: "pkg:npm/lodash",
      reason: "template() is never called with user input",
      expires: "2030-06-30",
      expiresAt: new Date("2030-07-01T00:00:00Z"),
    },
    { id: "12345", reason: "numbers are read as text" },
  ]);
  assert.deepEqual(yaml(""), [], "an empty file ignores nothing");
});

test("JSON: a bare list; null counts as absent; timestamps keep their offset", () => {
  const rules = parseIgnoreFile(
    JSON.stringify([
      { id: "DSA-5532-1", package: null, reason: "no TLS in this image", expires: "2030-01-01T12:00:00+02:00" },
    ]),
    { format: "json", source: "ignore.json" },
  );
  assert.deepEqual(rules, [
    {
      id: "DSA-5532-1",
      reason: "no TLS in this image",
      expires: "2030-01-01T12:00:00+02:00",
      expiresAt: new Date("2030-01-01T10:00:00Z"),
    },
  ]);
});

test("malformed files are input errors that name the entry", () => {
  const fails = (text: string, pattern: RegExp): void => {
    assert.throws(
      () => yaml(text),
      (error: unknown) => error instanceof InputError && pattern.test(error.message),
    );
  };
  fails("- id: CVE-1\n  reason: x\n  expire: 2030-01-01\n", /entry 1: unknown key "expire"/);
  fails("- id: CVE-1\n", /entry 1 \(CVE-1\): "reason" is required/);
  fails("- reason: x\n", /entry 1: "id" is required/);
  fails("- id: CVE-1\n  reason: x\n  expires: 2030-02-30\n", /"expires" must be a date/);
  fails("- id: CVE-1\n  reason: x\n  expires: soon\n", /"expires" must be a date/);
  fails("- id: CVE-1\n  reason: '  '\n", /"reason" is empty/);
  fails("- id: [CVE-1]\n  reason: x\n", /"id" must be a string/);
  fails("ignores:\n  - id: CVE-1\n", /expected a list of entries/);
  fails("- CVE-1\n", /entry 1: expected an object/);
  fails("- id: CVE-1\n  reason: [unclosed\n", /not valid YAML/);
  fails("- &a {id: CVE-1, reason: x}\n- *a\n", /not valid YAML/);
  assert.throws(() => parseIgnoreFile("{", { format: "json", source: "i.json" }), InputError);
  assert.throws(
    () => parseIgnoreFile("x".repeat(maxIgnoreFileBytes + 1), { format: "yaml", source: "big" }),
    LimitError,
  );
});

test("readIgnoreFile: YAML or JSON by extension, a size cap, a clear error for a missing file", async () => {
  const yamlPath = join(work, "accepted.yaml");
  await writeFile(yamlPath, "- id: CVE-1\n  reason: fine\n");
  assert.deepEqual(await readIgnoreFile(yamlPath), [{ id: "CVE-1", reason: "fine" }]);
  const jsonPath = join(work, "accepted.JSON");
  await writeFile(jsonPath, JSON.stringify({ ignore: [{ id: "CVE-2", reason: "fine", package: "lodash" }] }));
  assert.deepEqual(await readIgnoreFile(jsonPath), [{ id: "CVE-2", reason: "fine", package: "lodash" }]);
  const big = join(work, "big.yaml");
  await writeFile(big, Buffer.alloc(maxIgnoreFileBytes + 1, 0x20));
  await assert.rejects(readIgnoreFile(big), LimitError);
  await assert.rejects(readIgnoreFile(join(work, "missing.yaml")), (error: unknown) => {
    return error instanceof InputError && /missing\.yaml: cannot read/.test(error.message);
  });
});

test("a rule matches the finding id or any alias, case-insensitively", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const byAlias = applyIgnores([lodash, openssl], [rule({ id: "ghsa-35jh-r3h4-6jhm" })], now);
  assert.deepEqual(byAlias.kept, [openssl]);
  assert.deepEqual(
    byAlias.ignored.map(({ finding, rule }) => [finding.packageName, rule.id]),
    [["lodash", "ghsa-35jh-r3h4-6jhm"]],
  );
  assert.deepEqual(byAlias.warnings, []);
  const byId = applyIgnores([lodash, openssl], [rule({ id: "DSA-5532-1" })], now);
  assert.deepEqual(byId.kept, [lodash]);
  assert.deepEqual(applyIgnores([lodash], [rule({ id: "CVE-2021-2333" })], now).kept, [lodash], "no partial ids");
});

test("package: a name matches exactly; a purl prefix ends at a component boundary", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const kept = (pkg: string): string[] =>
    applyIgnores([lodash, lodashMerge, openssl], [rule({ id: "CVE-2021-23337", package: pkg })], now).kept.map(
      (f) => f.packageName,
    );
  assert.deepEqual(kept("lodash"), ["lodash.merge", "libssl3"]);
  assert.deepEqual(kept("pkg:npm/lodash"), ["lodash.merge", "libssl3"]);
  assert.deepEqual(kept("pkg:npm/lodash@4.17.20"), ["lodash.merge", "libssl3"]);
  assert.deepEqual(kept("pkg:npm/lodash@4.17.2"), ["lodash", "lodash.merge", "libssl3"], "not another version");
  assert.deepEqual(kept("pkg:npm/"), ["libssl3"], "a type-only prefix covers the ecosystem");
  assert.deepEqual(kept("pkg:npm/lodash.merge"), ["lodash", "libssl3"]);
  assert.deepEqual(kept("pkg:pypi/lodash"), ["lodash", "lodash.merge", "libssl3"]);
  const debian = applyIgnores([openssl], [rule({ id: "CVE-2023-5678", package: "pkg:deb/debian/libssl3" })], now);
  assert.deepEqual(debian.kept, []);
});

test("an expired rule ignores nothing and warns once; a date is valid until the end of that day", () => {
  const [dated] = yaml("- id: CVE-2021-23337\n  reason: until the upgrade\n  expires: 2025-06-30\n");
  assert.ok(dated);
  const lastMinute = applyIgnores([lodash, lodashMerge], [dated], new Date("2025-06-30T23:59:59Z"));
  assert.deepEqual(lastMinute.kept, []);
  assert.deepEqual(lastMinute.warnings, []);
  const nextDay = applyIgnores([lodash, lodashMerge], [dated], new Date("2025-07-01T00:00:00Z"));
  assert.deepEqual(nextDay.kept, [lodash, lodashMerge]);
  assert.deepEqual(nextDay.ignored, []);
  assert.deepEqual(nextDay.warnings, [
    "ignore rule for CVE-2021-23337 expired (2025-06-30); 2 findings are reported again",
  ]);
  const unused = applyIgnores([openssl], [{ ...dated, package: "lodash" }], new Date("2026-01-01T00:00:00Z"));
  assert.deepEqual(unused.warnings, [
    "ignore rule for CVE-2021-23337 in lodash expired (2025-06-30); it matches no finding",
  ]);
});

test("the first matching unexpired rule is the one reported, even after an expired one for the same id", () => {
  const rules = yaml(`
- id: CVE-2021-23337
  reason: old exception
  expires: 2020-01-01
- id: CVE-2021-23337
  package: lodash
  reason: reviewed again
`);
  const outcome = applyIgnores([lodash, lodashMerge], rules, new Date("2026-01-01T00:00:00Z"));
  assert.deepEqual(outcome.kept, [lodashMerge]);
  assert.equal(outcome.ignored[0]?.rule.reason, "reviewed again");
  assert.equal(outcome.warnings.length, 1);
});
