import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import { chooseNamedImage, findNamedImage, normaliseImageName, parseImageName } from "./image-names.ts";

test("names split into domain, path, tag and digest the way Docker reads them", () => {
  assert.deepEqual(parseImageName("debian"), { path: "debian" });
  assert.deepEqual(parseImageName("library/debian:12"), { path: "library/debian", tag: "12" });
  assert.deepEqual(parseImageName("localhost:5000/a/b:1@sha256:ab"), {
    domain: "localhost:5000",
    path: "a/b",
    tag: "1",
    digest: "sha256:ab",
  });
  assert.deepEqual(parseImageName("localhost/test"), { domain: "localhost", path: "test" });
  assert.equal(normaliseImageName("debian"), "docker.io/library/debian:latest");
  assert.equal(normaliseImageName("docker.io/debian:12"), "docker.io/library/debian:12");
  assert.equal(normaliseImageName("quay.io/podman/stable"), "quay.io/podman/stable:latest");
  assert.equal(normaliseImageName("me/app@sha256:ab"), "docker.io/me/app@sha256:ab");
});

const store = [
  { id: "sha256:" + "a".repeat(64), names: ["docker.io/library/debian:12", "sha256:" + "a".repeat(64)], digests: [] },
  {
    id: "sha256:" + "b".repeat(64),
    names: ["quay.io/team/app:1"],
    digests: ["quay.io/team/app@sha256:" + "c".repeat(64)],
  },
  { id: "sha256:" + "d".repeat(64), names: ["localhost/app:1"], digests: [] },
  { id: "sha256:" + "e".repeat(64), names: ["localhost/tool:2"], digests: [] },
  { id: "sha256:" + "f".repeat(64), names: ["registry.example/tool:2"], digests: [] },
];

test("exact names, Docker's reading, short names, digests and ID prefixes all find an image", () => {
  const find = (wanted: string) => chooseNamedImage(store, wanted, "the store").id.slice(7, 8);
  assert.equal(find("debian:12"), "a");
  assert.equal(find("docker.io/debian:12"), "a");
  assert.equal(find("sha256:" + "a".repeat(64)), "a");
  assert.equal(find("quay.io/team/app@sha256:" + "c".repeat(64)), "b");
  assert.equal(find("app:1"), "d", "a short name matches under any registry when only one image has it");
  assert.equal(find("localhost/app:1"), "d");
  assert.equal(find("dddddddddddd"), "d", "an ID prefix");
  assert.equal(findNamedImage(store, "debian:11", "the store"), undefined);
});

test("a short name two images share is ambiguous, and a missing one lists what there is", () => {
  assert.throws(
    () => chooseNamedImage(store, "tool:2", "the store"),
    (error: unknown) => error instanceof InputError && error.message.includes("matches 2 images"),
  );
  assert.throws(
    () => chooseNamedImage(store, "nginx", "the store"),
    (error: unknown) =>
      error instanceof InputError &&
      error.message.includes('the store has no image "nginx"') &&
      error.message.includes("docker.io/library/debian:12") &&
      !error.message.includes("sha256:aaa"),
  );
});
