import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../errors.ts";
import { choosePlatform, formatPlatform, parsePlatform } from "./platform.ts";

test("parses and formats os/arch[/variant]", () => {
  assert.deepEqual(parsePlatform("linux/amd64"), { os: "linux", architecture: "amd64" });
  assert.deepEqual(parsePlatform("linux/arm/v6"), { os: "linux", architecture: "arm", variant: "v6" });
  assert.deepEqual(parsePlatform("Linux/x86_64"), { os: "linux", architecture: "amd64" });
  assert.equal(formatPlatform({ os: "linux", architecture: "arm64", variant: "v8" }), "linux/arm64/v8");
  for (const bad of ["linux", "linux/", "/amd64", "linux/arm/", "a/b/c/d"])
    assert.throws(() => parsePlatform(bad), InputError, bad);
});

test("chooses the exact variant, the default variant, or any variant when none was asked for", () => {
  const candidates = [
    { os: "linux", architecture: "arm", variant: "v6" },
    { os: "linux", architecture: "arm", variant: "v7" },
    { os: "linux", architecture: "arm64" },
    undefined,
    { os: "linux", architecture: "amd64", variant: "v3" },
  ];
  assert.equal(choosePlatform(parsePlatform("linux/arm"), candidates), 1);
  assert.equal(choosePlatform(parsePlatform("linux/arm/v6"), candidates), 0);
  assert.equal(choosePlatform(parsePlatform("linux/arm64/v8"), candidates), 2);
  assert.equal(choosePlatform(parsePlatform("linux/amd64"), candidates), 4);
  assert.equal(choosePlatform(parsePlatform("linux/amd64/v2"), candidates), undefined);
  assert.equal(choosePlatform(parsePlatform("windows/amd64"), candidates), undefined);
});
