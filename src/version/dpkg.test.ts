import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { compareDebian } from "./dpkg.ts";

const vectors: [string, string, number][] = [
  ["1.0", "1.0", 0],
  ["1.0~rc1", "1.0", -1],
  ["1.0~~", "1.0~", -1],
  ["1.0+deb12u1", "1.0", 1],
  ["2:9.0.0", "8.3.2", 1],
  ["1:1.0", "1.0", 1],
  ["0:1.0", "1.0", 0],
  ["3.0.15-1~deb12u1", "3.0.15-1", -1],
  ["3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1],
  ["1.0-1", "1.0-1.1", -1],
  ["1.0a", "1.0+", -1],
  ["1.10", "1.9", 1],
  ["1.001", "1.1", 0],
  ["7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1],
];

test("published dpkg ordering vectors", () => {
  for (const [a, b, expected] of vectors) {
    assert.equal(compareDebian(a, b), expected, `${a} vs ${b}`);
    assert.equal(compareDebian(b, a), -expected || 0, `${b} vs ${a}`);
  }
});

test("unreadable versions are not ordered", () => {
  assert.equal(compareDebian("", "1.0"), undefined);
  assert.equal(compareDebian("x:1.0", "1.0"), undefined);
  assert.equal(compareDebian("abc", "1.0"), undefined);
});

function dpkgSays(a: string, b: string): number {
  const holds = (op: string): boolean => {
    try {
      execFileSync("dpkg", ["--compare-versions", a, op, b], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  return holds("lt") ? -1 : holds("eq") ? 0 : 1;
}

test("agrees with dpkg --compare-versions on this machine's installed versions", (t) => {
  let status: string;
  try {
    status = readFileSync("/var/lib/dpkg/status", "utf8");
    execFileSync("dpkg", ["--version"], { stdio: "ignore" });
  } catch {
    t.skip("no dpkg on this machine");
    return;
  }
  const versions = [...status.matchAll(/^Version: (.+)$/gm)].map((match) => match[1] ?? "").filter(Boolean);
  const unique = [...new Set(versions)].sort();
  // Neighbours in string order share prefixes: the pairs where ordering rules matter most.
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < unique.length && pairs.length < 150; i += Math.max(1, Math.floor(unique.length / 150))) {
    pairs.push([unique[i] ?? "", unique[i + 1] ?? ""]);
  }
  pairs.push(...vectors.map(([a, b]): [string, string] => [a, b]));
  for (const [a, b] of pairs) assert.equal(compareDebian(a, b), dpkgSays(a, b), `${a} vs ${b}`);
});
