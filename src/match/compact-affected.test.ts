import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../errors.ts";
import { versionSchemes } from "../version/by-ecosystem.ts";
import { pep440Scheme } from "../version/pep440.ts";
import { goScheme, semverScheme } from "../version/semver.ts";
import type { OsvRange } from "../vulndb/osv-record.ts";
import {
  type AffectedSource,
  decodeEntries,
  encodeEntry,
  encodeVersions,
  schemesOfOsv,
  versionLists,
} from "./compact-affected.ts";
import { boundsOf, evaluateAffected, evaluateOrdered } from "./osv-ranges.ts";
import { severityOf } from "./severity.ts";

const source = (ranges: OsvRange[], more: Partial<AffectedSource> = {}): AffectedSource => ({
  seq: 1,
  advisoryId: "GHSA-test",
  ranges,
  versions: [],
  severity: [],
  advisorySeverity: [],
  ...more,
});

/** Encodes entries of one row and reads them back, as the index does. */
function roundTrip(base: string, sources: AffectedSource[]) {
  const entries = JSON.stringify(sources.map((one) => encodeEntry(base, one)));
  return decodeEntries(entries, versionLists(encodeVersions(base, sources)));
}

test("every event kind round-trips; GIT ranges are left out; events without a bound are dropped", () => {
  const ranges: OsvRange[] = [
    { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2" }, { introduced: "2.0" }, { limit: "3.0" }] },
    { type: "SEMVER", events: [{ introduced: "1.0.0" }, {}, { lastAffected: "1.4.0" }] },
    { type: "GIT", events: [{ introduced: "abc" }, { fixed: "def" }] },
  ];
  const [entry] = roundTrip("PyPI", [source(ranges)]);
  assert.ok(entry);
  assert.equal(entry.ranges.length, 2, "the GIT range is not stored");
  const [ecosystem, semver] = entry.ranges;
  assert.deepEqual(ecosystem?.slice(0, 3), ["E", "ifim", ["0", "1.2", "2.0", "3.0"]]);
  assert.deepEqual(semver?.slice(0, 3), ["S", "il", ["1.0.0", "1.4.0"]]);
  for (const [stored, original] of [
    [ecosystem, ranges[0]],
    [semver, ranges[1]],
  ] as const) {
    assert.ok(stored && original);
    assert.deepEqual({ kinds: stored[1], versions: stored[2] }, boundsOf(original.events));
  }
  // Already in PEP 440 order and all readable: the order is implied.
  assert.equal(ecosystem?.[3], "pep440");
  assert.equal(ecosystem?.[4], undefined);
  assert.equal(semver?.[3], "semver");
});

test("bounds are stored in the scheme's order, without the ones it cannot read", () => {
  const unsorted: OsvRange = {
    type: "ECOSYSTEM",
    events: [
      { fixed: "2.0" },
      { introduced: "1.5" },
      { fixed: "not a version" },
      { fixed: "1.2" },
      { introduced: "0" },
    ],
  };
  const [entry] = roundTrip("PyPI", [source([unsorted])]);
  assert.deepEqual(entry?.ranges[0]?.slice(3), ["pep440", [4, 3, 1, 0]]);
  // An ecosystem no package is looked up in keeps its bounds unsorted.
  const [other] = roundTrip("Hex", [source([unsorted])]);
  assert.equal(other?.ranges[0]?.length, 3);
  assert.equal(schemesOfOsv("Hex"), undefined);
  assert.equal(schemesOfOsv("Ubuntu")?.ecosystem.name, "dpkg");
});

test("stored entries decide exactly as the records do, under their own scheme or another one", () => {
  const ranges: OsvRange[] = [
    {
      type: "ECOSYSTEM",
      events: [{ fixed: "1.4.2" }, { introduced: "0" }, { introduced: "1.5.0" }, { fixed: "1.6.1" }],
    },
    { type: "SEMVER", events: [{ introduced: "2.0.0-rc.1" }, { lastAffected: "2.1.0" }] },
    { type: "ECOSYSTEM", events: [{ introduced: "3.0.0" }, { limit: "3.2.0" }, { fixed: "bogus" }] },
  ];
  const versions = ["1.0.0", "3.9.0"];
  const [npmEntry] = roundTrip("npm", [source(ranges, { versions })]);
  const [goEntry] = roundTrip("Go", [source(ranges, { versions })]);
  assert.ok(npmEntry && goEntry);
  const installed = ["0.1.0", "1.4.1", "1.4.2", "1.5.0", "1.6.1", "2.0.0", "2.1.0", "2.1.1", "3.1.9", "3.2.0", "3.9.0"];
  for (const schemes of [versionSchemes.npm, versionSchemes.golang, versionSchemes.pypi]) {
    for (const version of installed) {
      const expected = evaluateAffected(version, { ranges, versions }, schemes);
      // npm's entry was sorted for semver, Go's for go: each is also read under the other schemes.
      assert.deepEqual(evaluateOrdered(version, npmEntry, schemes), expected, `${version} ${schemes.ecosystem.name}`);
      assert.deepEqual(evaluateOrdered(version, goEntry, schemes), expected, `${version} ${schemes.ecosystem.name}`);
    }
  }
  assert.deepEqual(evaluateOrdered("v1.4.1", goEntry, versionSchemes.golang), { affected: true, fixed: ["1.4.2"] });
  // Go reads "go1.20", semver does not: an order kept for one is not used for the other.
  const toolchain: OsvRange[] = [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "go1.20" }] }];
  const [forGo] = roundTrip("Go", [source(toolchain)]);
  const [forNpm] = roundTrip("npm", [source(toolchain)]);
  assert.ok(forGo && forNpm);
  assert.deepEqual(forNpm.ranges[0]?.slice(3), ["semver", [0]]);
  for (const [version, affected] of [
    ["1.19.9", true],
    ["1.21.0", false],
  ] as const) {
    assert.equal(evaluateOrdered(version, forGo, versionSchemes.golang).affected, affected);
    assert.equal(evaluateOrdered(version, forNpm, versionSchemes.golang).affected, affected);
    assert.equal(evaluateOrdered(version, forGo, versionSchemes.npm).affected, true, "semver skips go1.20");
  }
});

test("severity is worked out at import: the entry's vectors first, then the advisory's, then labels", () => {
  const v3 = { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" };
  const v2 = { type: "CVSS_V2", score: "AV:N/AC:L/Au:N/C:P/I:N/A:N" };
  const cases: [Partial<AffectedSource>, ReturnType<typeof severityOf>][] = [
    [{ severity: [v2], advisorySeverity: [v3] }, severityOf([v2], undefined)],
    [{ advisorySeverity: [v3], severityLabel: "LOW" }, severityOf([v3], "LOW")],
    [
      { severityLabel: "MODERATE", advisorySeverityLabel: "HIGH" },
      { rating: "medium", source: "label" },
    ],
    [{ advisorySeverityLabel: "HIGH" }, { rating: "high", source: "label" }],
    [{}, { rating: "unknown", source: "none" }],
  ];
  for (const [more, expected] of cases) {
    const [entry] = roundTrip("npm", [source([], more)]);
    // Same fields in the same order: reports print them as they are.
    assert.equal(JSON.stringify(entry?.severity), JSON.stringify(expected));
  }
  assert.equal(severityOf([v3], undefined).rating, "critical");
});

test("explicit versions: grouped by PEP 440 equality, kept whole for other schemes", () => {
  const listed = ["1.0", "1.0.0", "2.0.post1", "not-pep440", "1!1.0"];
  const [pypi] = roundTrip("PyPI", [source([], { versions: listed }), source([])]);
  const [npm] = roundTrip("npm", [source([], { versions: ["1.0.0", "v2.0.0"] })]);
  assert.ok(pypi && npm);
  const schemes = versionSchemes.pypi;
  assert.equal(evaluateOrdered("1", pypi, schemes).affected, true, "1 == 1.0");
  assert.equal(evaluateOrdered("1.0.0.0", pypi, schemes).affected, true);
  assert.equal(evaluateOrdered("2.0.post1", pypi, schemes).affected, true);
  assert.equal(evaluateOrdered("2.0", pypi, schemes).affected, false);
  assert.equal(evaluateOrdered("1.0", pypi, { ecosystem: pep440Scheme, semver: semverScheme }).affected, true);
  assert.equal(evaluateOrdered("1!1", pypi, schemes).affected, true);
  assert.equal(evaluateOrdered("not-pep440", pypi, schemes).affected, false, "unreadable versions equal nothing");
  // Read under a scheme without equality keys, every listed version counts again, even unreadable ones.
  const exact = { name: "exact", compare: (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1) };
  assert.equal(evaluateOrdered("not-pep440", pypi, { ecosystem: exact, semver: exact }).affected, true);
  assert.equal(evaluateOrdered("1.0.0", pypi, { ecosystem: exact, semver: exact }).affected, true);
  assert.equal(evaluateOrdered("2.0.0", npm, versionSchemes.npm).affected, true, "v2.0.0 == 2.0.0 in semver");
  assert.equal(evaluateOrdered("2.0.0", npm, { ecosystem: goScheme, semver: goScheme }).affected, true);
  assert.equal(evaluateOrdered("3.0.0", npm, versionSchemes.npm).affected, false);
  const [, second] = roundTrip("PyPI", [source([], { versions: listed }), source([])]);
  assert.equal(second && evaluateOrdered("1.0", second, schemes).affected, false, "lists pair up with entries");
});

test("equal PEP 440 versions share their equality key", () => {
  const versions = ["1", "1.0", "1.0.0", "v1.0", "01.0", "0!1.0", "1!1.0", "1.0.post0", "1.0-0", "1.0a1", "1.0.dev0"];
  const key = (version: string) => pep440Scheme.equalityKey?.(version);
  for (const a of versions) {
    for (const b of versions) {
      if (pep440Scheme.compare(a, b) === 0) assert.equal(key(a), key(b), `${a} == ${b}`);
    }
  }
  assert.equal(key("legacy-version"), undefined);
  assert.equal(key("1.0"), "1");
  assert.notEqual(key("1.0"), key("1.1"));
  assert.notEqual(key("1.0"), key("1!1.0"));
});

test("a damaged index row is refused, never guessed", () => {
  const bad = [
    "{}",
    "[[1]]",
    '[[1, "A", ["high", "CVSS_V3"], [["X", "i", ["1"]]]]]',
    '[[1, "A", ["high", "CVSS_V3"], [["E", "i", ["1", "2"]]]]]',
    '[[1, "A", ["high", "CVSS_V3"], [["E", "if", ["1", "2"], "semver", [5]]]]]',
    '[[1, "A", ["severe", "CVSS_V3"], []]]',
  ];
  for (const entries of bad) assert.throws(() => decodeEntries(entries, versionLists(null)), InputError, entries);
  const [entry] = decodeEntries('[[1, "A", ["high", "label"], []]]', versionLists('[{"scheme": "pep440"}]'));
  assert.throws(() => entry?.lists("1.0", pep440Scheme), InputError);
});
