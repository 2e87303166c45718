import assert from "node:assert/strict";
import { test } from "node:test";
import { imagePath, parentDirs, resolveLinkTarget } from "./paths.ts";

test("tar entry names become absolute image paths", () => {
  assert.equal(imagePath("./etc/passwd"), "/etc/passwd");
  assert.equal(imagePath("etc//apt/"), "/etc/apt");
  assert.equal(imagePath("/abs/path"), "/abs/path");
  assert.equal(imagePath("./"), undefined);
  assert.equal(imagePath("../etc/passwd"), undefined);
  assert.equal(imagePath("a/../../etc"), undefined);
});

test("symlink targets never leave the image root", () => {
  assert.equal(resolveLinkTarget("/etc/os-release", "../usr/lib/os-release"), "/usr/lib/os-release");
  assert.equal(resolveLinkTarget("/lib", "usr/lib"), "/usr/lib");
  assert.equal(resolveLinkTarget("/a/b", "/etc/x"), "/etc/x");
  assert.equal(resolveLinkTarget("/a/b", "../../../../etc/shadow"), "/etc/shadow");
});

test("parent directories, nearest first", () => {
  assert.deepEqual(parentDirs("/a/b/c"), ["/a/b", "/a"]);
  assert.deepEqual(parentDirs("/a"), []);
});
