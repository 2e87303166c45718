import { test } from "node:test";
import assert from "node:assert/strict";
import { sameMavenVersion } from "./maven-version.ts";

test("Maven version equality for de-duplication", () => {
  assert.ok(sameMavenVersion("2.17.0", "2.17"));
  assert.ok(sameMavenVersion("1.0.0", "1"));
  assert.ok(sameMavenVersion("1.01", "1.1"));
  assert.ok(sameMavenVersion("1.0-Final", "1"));
  assert.ok(sameMavenVersion("1.0.RELEASE", "1.0"));
  assert.ok(!sameMavenVersion("2.17.1", "2.17"));
  assert.ok(!sameMavenVersion("1.0-SNAPSHOT", "1.0"));
  assert.ok(!sameMavenVersion("1.0-rc1", "1.0"));
});
