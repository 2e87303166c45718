import assert from "node:assert/strict";
import { test } from "node:test";
import { InterestMatcher } from "./interest.ts";

const matcher = new InterestMatcher<string>([
  { owner: "dpkg", interest: { paths: ["/var/lib/dpkg/status"], globs: ["/var/lib/dpkg/status.d/*"] } },
  { owner: "node", interest: { globs: ["/**/node_modules/*/package.json", "/**/node_modules/@*/*/package.json"] } },
  { owner: "jar", interest: { globs: ["/**/*.jar"], maxBytes: 10 } },
  { owner: "odd", interest: { globs: ["/opt/**/lib?.so"] } },
]);

const owners = (path: string): string[] => matcher.match(path).map((want) => want.owner);

test("exact paths and literal-basename globs", () => {
  assert.deepEqual(owners("/var/lib/dpkg/status"), ["dpkg"]);
  assert.deepEqual(owners("/var/lib/dpkg/status.d/base"), ["dpkg"]);
  assert.deepEqual(owners("/var/lib/dpkg/status-old"), []);
  assert.deepEqual(owners("/usr/lib/node_modules/npm/package.json"), ["node"]);
  assert.deepEqual(owners("/app/node_modules/@babel/core/package.json"), ["node"]);
  assert.deepEqual(owners("/app/package.json"), []);
  assert.deepEqual(owners("/app/node_modules/a/lib/package.json"), []);
});

test("extension globs and wildcard basenames", () => {
  assert.deepEqual(owners("/usr/share/java/commons-io.jar"), ["jar"]);
  assert.deepEqual(owners("/usr/share/java/commons-io.jar.orig"), []);
  assert.deepEqual(owners("/opt/x/y/libz.so"), ["odd"]);
  assert.equal(matcher.match("/a.jar")[0]?.maxBytes, 10);
});

test("dot directories are matched by **", () => {
  assert.deepEqual(owners("/root/.npm/node_modules/x/package.json"), ["node"]);
});
