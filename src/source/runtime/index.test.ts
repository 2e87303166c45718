import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import { listImages, openRuntimeSource, runtimeFor } from "./index.ts";

test("reference prefixes and --runtime names map to the three runtimes, and nothing else does", async () => {
  assert.equal(runtimeFor("docker-daemon"), "docker");
  assert.equal(runtimeFor("crio"), "containers-storage");
  assert.equal(runtimeFor("podman"), "containers-storage");
  assert.equal(runtimeFor("containerd"), "containerd");
  assert.equal(runtimeFor("constructor"), undefined);
  assert.equal(runtimeFor("registry"), undefined);
  await assert.rejects(
    listImages("lxc"),
    (error: unknown) => error instanceof InputError && error.message.includes("crio"),
  );
  await assert.rejects(
    openRuntimeSource("docker", { reference: "docker:", name: "", maxMetadataBytes: 1024, options: {} }),
    /names no image/,
  );
});
