import assert from "node:assert/strict";
import { test } from "node:test";
import { imagePath, resolveLinkTarget } from "./paths.ts";

test("tar entry names become absolute image paths", () => {
  assert.equal(imagePath("./etc/passwd"), "/etc/passwd");
  assert.equal(imagePath("etc//apt/"), "/etc/apt");
  assert.equal(imagePath("/abs/path"), "/abs/path");
  assert.equal(imagePath("./"), undefined);
  assert.equal(imagePath("../etc/passwd"), undefined);
  assert.equal(imagePath("a/../../etc"), undefined);
});

test("every spelling of a name gives what segment-by-segment normalising gives", () => {
  const bySegments = (name: string): string | undefined => {
    const segments = name.split("/").filter((segment) => segment !== "" && segment !== ".");
    return segments.includes("..") || segments.length === 0 ? undefined : `/${segments.join("/")}`;
  };
  const parts = ["a", ".", "..", "", ".b", "..c", "d.", "e..", "./", "/"];
  const names = [""];
  for (let length = 1; length <= 4; length++) {
    for (const name of names.splice(0)) for (const part of parts) names.push(`${name}${part}`, `${name}/${part}`);
    for (const name of names) assert.equal(imagePath(name), bySegments(name), JSON.stringify(name));
  }
});

test("symlink targets never leave the image root", () => {
  assert.equal(resolveLinkTarget("/etc/os-release", "../usr/lib/os-release"), "/usr/lib/os-release");
  assert.equal(resolveLinkTarget("/lib", "usr/lib"), "/usr/lib");
  assert.equal(resolveLinkTarget("/a/b", "/etc/x"), "/etc/x");
  assert.equal(resolveLinkTarget("/a/b", "../../../../etc/shadow"), "/etc/shadow");
});
