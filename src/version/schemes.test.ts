import assert from "node:assert/strict";
import { test } from "node:test";
import { compareApk } from "./apk.ts";
import { compareComposer } from "./composer.ts";
import { compareMaven } from "./maven.ts";
import { compareNuget } from "./nuget.ts";
import { pep440Scheme } from "./pep440.ts";
import { compareRpm } from "./rpm.ts";
import { rubygemsScheme } from "./rubygems.ts";
import type { VersionScheme } from "./scheme.ts";
import { goScheme, semverScheme } from "./semver.ts";

type Compare = (a: string, b: string) => number | undefined;

/** Each vector says a < b, a == b or a > b; both directions are checked. */
function check(compare: Compare, vectors: [string, "<" | "=" | ">", string][]): void {
  const sign = { "<": -1, "=": 0, ">": 1 } as const;
  for (const [a, op, b] of vectors) {
    assert.equal(compare(a, b), sign[op], `${a} ${op} ${b}`);
    assert.equal(compare(b, a), 0 - sign[op] || 0, `${b} vs ${a}`);
  }
}

const scheme = (s: VersionScheme): Compare => s.compare.bind(s);

test("rpm: rpmvercmp with epochs, tilde and caret", () => {
  check(compareRpm, [
    ["1.0", "=", "1.0"],
    ["1.0", "<", "1.0.1"],
    ["1.0~rc1", "<", "1.0"],
    ["1.0^git1", ">", "1.0"],
    ["1.0^git1", "<", "1.0.1"],
    ["1:1.0-1", ">", "2.0-1"],
    ["1.10", ">", "1.9"],
    ["1.0a", "<", "1.0.1"],
    ["1.0010", "=", "1.10"],
    ["1.1.1k-7.el8_6", ">", "1.1.1k-6.el8"],
    ["2.5.0-1.fc38", "<", "2.5.0-1.fc39"],
  ]);
  assert.equal(compareRpm("1.1.1k", "1.1.1k-7.el8"), 0, "a bound without release covers every release");
});

test("apk: suffixes, letters, revisions", () => {
  check(compareApk, [
    ["1.6_rc1-r0", "<", "1.6-r0"],
    ["1.6-r1", ">", "1.6-r0"],
    ["1.6_p1", ">", "1.6"],
    ["1.6_alpha", "<", "1.6_beta"],
    ["1.6_beta2", ">", "1.6_beta1"],
    ["1.0a", ">", "1.0"],
    ["1.0.1", ">", "1.0"],
    ["1.02", "<", "1.1"],
    ["3.1.4-r5", "<", "3.1.10-r0"],
    ["1.2.3_git20200101", ">", "1.2.3"],
  ]);
  assert.equal(compareApk("20.10.11.r0", "1.0"), undefined, "typo'd secdb versions are not ordered");
});

test("maven: ComparableVersion qualifiers and padding", () => {
  check(compareMaven, [
    ["1", "=", "1.0.0"],
    ["1.0-alpha", "<", "1.0-beta"],
    ["1.0-beta", "<", "1.0-milestone"],
    ["1.0-m1", "<", "1.0-rc1"],
    ["1.0-rc", "=", "1.0-cr"],
    ["1.0-rc1", "<", "1.0-snapshot"],
    ["1.0-snapshot", "<", "1.0"],
    ["1.0", "=", "1.0-ga"],
    ["1.0", "=", "1.0.final"],
    ["1.0", "<", "1.0-sp"],
    ["1.0-sp", "<", "1.0-foo"],
    ["1.0", "<", "1.0.1"],
    ["1.0-1", "<", "1.0.1"],
    ["2.414.2-cb-5", ">", "2.414.2"],
    ["5.3.20.RELEASE", "=", "5.3.20"],
    ["1.0a1", "=", "1.0-alpha-1"],
    ["1.9", "<", "1.10"],
    ["2.0.0.Final", "=", "2.0.0"],
  ]);
});

test("nuget: four parts, case-insensitive prereleases, metadata ignored", () => {
  check(compareNuget, [
    ["1.0", "=", "1.0.0.0"],
    ["1.0.0-beta", "<", "1.0.0"],
    ["1.0.0-Beta", "=", "1.0.0-beta"],
    ["1.0.0-beta.2", "<", "1.0.0-beta.10"],
    ["1.0.0+abc", "=", "1.0.0"],
    ["4.0.0.1", ">", "4.0.0"],
  ]);
});

test("composer: stability flags and padding", () => {
  check(compareComposer, [
    ["v1.2.3", "=", "1.2.3.0"],
    ["1.2.3-beta2", "<", "1.2.3-RC1"],
    ["1.2.3-alpha", "<", "1.2.3-beta"],
    ["1.2.3-RC1", "<", "1.2.3"],
    ["1.2.3", "<", "1.2.3-p1"],
    ["1.2.3-dev", "<", "1.2.3-alpha"],
    ["2.0", ">", "1.99.99"],
  ]);
  assert.equal(compareComposer("dev-main", "1.0"), undefined);
});

test("semver and Go", () => {
  check(scheme(semverScheme), [
    ["1.0.0-alpha", "<", "1.0.0"],
    ["1.0.0-alpha.1", "<", "1.0.0-alpha.beta"],
    ["0.0.0-0", "<", "0.0.1"],
    ["1.0.0+build", "=", "1.0.0"],
  ]);
  check(scheme(goScheme), [
    ["v1.2.3+incompatible", "=", "1.2.3"],
    ["v0.0.0-20210101000000-abcdef123456", "<", "v0.0.1"],
    ["v1.2.4-0.20210101000000-abcdef123456", ">", "v1.2.3"],
    ["go1.21", "=", "1.21.0"],
    ["go1.21rc2", "<", "go1.21.0"],
    ["go1.21.3", ">", "1.21.1"],
  ]);
});

test("PyPI and RubyGems through their libraries", () => {
  check(scheme(pep440Scheme), [
    ["1.0rc1", "<", "1.0"],
    ["1.0.post1", ">", "1.0"],
    ["1.0.dev1", "<", "1.0a1"],
    ["1!0.1", ">", "2.0"],
    ["1.0", "=", "1.0.0"],
  ]);
  assert.equal(pep440Scheme.compare("not a version", "1.0"), undefined);
  check(scheme(rubygemsScheme), [
    ["1.0.0.pre", "<", "1.0.0"],
    ["1.0", "=", "1"],
    ["5.2.4.3", ">", "5.2.4"],
  ]);
});
