import assert from "node:assert/strict";
import { test } from "node:test";
import { apkScheme, compareApk } from "./apk.ts";
import { compareComposer, composerScheme } from "./composer.ts";
import { compareDebian, dpkgScheme } from "./dpkg.ts";
import { compareMaven, mavenScheme } from "./maven.ts";
import { memoizedScheme, parsedScheme } from "./memo.ts";
import { compareNuget, nugetScheme } from "./nuget.ts";
import type { VersionScheme } from "./scheme.ts";

test("a parsed scheme parses each version once and orders the parsed forms", () => {
  const parsed: string[] = [];
  const scheme = parsedScheme(
    "numbers",
    (version) => {
      parsed.push(version);
      return /^\d+$/.test(version) ? { value: Number(version) } : undefined;
    },
    (a, b) => Math.sign(a.value - b.value),
    3,
  );
  assert.equal(scheme.compare("2", "10"), -1);
  assert.equal(scheme.compare("10", "2"), 1);
  assert.equal(scheme.compare("10", "10"), 0);
  assert.equal(scheme.compare("x", "2"), undefined);
  assert.equal(scheme.compare("2", "x"), undefined);
  assert.deepEqual(parsed, ["2", "10", "x"], "remembered, unreadable ones too");
  scheme.compare("3", "4");
  assert.equal(scheme.compare("2", "3"), -1, "still right once the memory was dropped");
});

test("a memoized scheme gives what the scheme gives, undefined included, and keeps its equality key", () => {
  let calls = 0;
  const inner: VersionScheme = {
    name: "inner",
    compare: (a, b) => {
      calls += 1;
      return a === "?" || b === "?" ? undefined : a.localeCompare(b);
    },
    equalityKey: (version) => (version === "?" ? undefined : version.toLowerCase()),
  };
  const memo = memoizedScheme(inner, 2);
  for (let round = 0; round < 2; round++) {
    assert.equal(memo.compare("a", "b"), -1);
    assert.equal(memo.compare("?", "b"), undefined);
  }
  assert.equal(calls, 2);
  memo.compare("c", "d");
  assert.equal(memo.compare("a", "b"), -1);
  assert.equal(calls, 4, "the memory was dropped when it filled");
  assert.equal(memo.equalityKey?.("A"), "a");
  assert.equal(memo.equalityKey?.("?"), undefined);
  assert.equal("equalityKey" in memoizedScheme({ name: "plain", compare: () => 0 }), false);
});

test("the cached schemes order exactly as their compare functions", () => {
  const cases: [VersionScheme, (a: string, b: string) => number | undefined, string[]][] = [
    [dpkgScheme, compareDebian, ["1.0", "1.0~rc1", "2:1.0", "1.0-1", "1.0+deb12u1", "abc", "", "1.001"]],
    [apkScheme, compareApk, ["1.6-r0", "1.6_rc1-r0", "1.6_p1", "1.02", "1.1", "1.0a", "x", "1.6"]],
    [composerScheme, compareComposer, ["1.0.0", "v1.0", "1.0.0-beta2", "1.0.0-dev", "2.0.0-RC1", "bogus"]],
    [nugetScheme, compareNuget, ["1.0.0", "1.0", "1.0.0-beta", "1.0.0-Beta.2", "1.0.0.1", "nope"]],
    [mavenScheme, compareMaven, ["1.0", "1.0.0", "1.0-SNAPSHOT", "1.0-alpha-1", "1.0.RELEASE", "1-sp", " "]],
  ];
  for (const [scheme, compare, versions] of cases) {
    for (const a of versions) {
      for (const b of versions) assert.equal(scheme.compare(a, b), compare(a, b), `${scheme.name}: ${a} vs ${b}`);
    }
  }
});
