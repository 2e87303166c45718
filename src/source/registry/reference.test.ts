import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import {
  formatReference,
  isLoopbackRegistry,
  looksLikeRegistryReference,
  parseRegistryReference,
  registryEndpoint,
} from "./reference.ts";

const digest = `sha256:${"a".repeat(64)}`;

test("Docker Hub is the default registry, library/ its default namespace, latest the default tag", () => {
  assert.deepEqual(parseRegistryReference("alpine"), {
    registry: "docker.io",
    repository: "library/alpine",
    tag: "latest",
  });
  assert.deepEqual(parseRegistryReference("bitnami/redis:7.2"), {
    registry: "docker.io",
    repository: "bitnami/redis",
    tag: "7.2",
  });
  assert.deepEqual(parseRegistryReference("docker.io/alpine:3.20"), {
    registry: "docker.io",
    repository: "library/alpine",
    tag: "3.20",
  });
  assert.deepEqual(parseRegistryReference("index.docker.io/library/debian"), {
    registry: "docker.io",
    repository: "library/debian",
    tag: "latest",
  });
  assert.equal(registryEndpoint("docker.io"), "registry-1.docker.io");
  assert.equal(registryEndpoint("registry.example:5000"), "registry.example:5000");
});

test("a first component with a dot, a port or named localhost is the registry", () => {
  assert.deepEqual(parseRegistryReference("registry.example:5000/repo/name:tag"), {
    registry: "registry.example:5000",
    repository: "repo/name",
    tag: "tag",
  });
  assert.deepEqual(parseRegistryReference("localhost/app"), {
    registry: "localhost",
    repository: "app",
    tag: "latest",
  });
  assert.deepEqual(parseRegistryReference("127.0.0.1:5000/team/app@" + digest), {
    registry: "127.0.0.1:5000",
    repository: "team/app",
    digest,
  });
  assert.deepEqual(parseRegistryReference("[::1]:5000/app:1"), { registry: "[::1]:5000", repository: "app", tag: "1" });
  // "team" has no dot or port: it is a Docker Hub namespace, not a host
  assert.equal(parseRegistryReference("team/app").registry, "docker.io");
});

test("tag and digest together keep both; the digest is what is fetched", () => {
  assert.deepEqual(parseRegistryReference(`ghcr.io/org/tool:v2@${digest}`), {
    registry: "ghcr.io",
    repository: "org/tool",
    tag: "v2",
    digest,
  });
  assert.equal(
    formatReference(parseRegistryReference(`ghcr.io/org/tool:v2@${digest}`)),
    `ghcr.io/org/tool:v2@${digest}`,
  );
  assert.equal(formatReference(parseRegistryReference("alpine")), "docker.io/library/alpine:latest");
});

test("registry:, registry://, oci:// and docker:// prefixes are stripped", () => {
  for (const text of [
    "registry:host.example/app:1",
    "registry://host.example/app:1",
    "oci://host.example/app:1",
    "docker://host.example/app:1",
  ]) {
    assert.deepEqual(parseRegistryReference(text), { registry: "host.example", repository: "app", tag: "1" }, text);
  }
});

test("malformed references are InputErrors that say which part is wrong", () => {
  const cases: [string, RegExp][] = [
    ["Alpine", /repository "library\/Alpine" is not valid/],
    ["host.example/app:bad/tag", /repository|registry host/],
    ["app:-x", /"-x" is not a valid tag/],
    ["app@sha256:abc", /not a sha256 or sha512 digest/],
    ["app@md5:" + "a".repeat(32), /not a sha256 or sha512 digest/],
    ["registry:", /names no image/],
    ["host..example/app", /not a registry host/],
    ["host.example/a//b", /is not valid/],
    [`host.example/${"a".repeat(260)}`, /longer than 255/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseRegistryReference(text),
      (error: unknown) => error instanceof InputError && pattern.test(error.message),
      text,
    );
  }
});

test("looksLikeRegistryReference keeps path-like text away from registries unless a prefix asks", () => {
  for (const text of [
    "alpine",
    "alpine:3.20",
    "ghcr.io/org/tool@" + digest,
    "localhost:5000/app",
    "registry:image.tar",
  ]) {
    assert.equal(looksLikeRegistryReference(text), true, text);
  }
  for (const text of [
    "image.tar",
    "./alpine",
    "/srv/images/app",
    "~/img",
    "build/out.tar.gz",
    "my image",
    "Alpine",
    "",
  ]) {
    assert.equal(looksLikeRegistryReference(text), false, text);
  }
});

test("loopback registries are recognised by name and address", () => {
  for (const host of ["localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000"])
    assert.equal(isLoopbackRegistry(host), true, host);
  for (const host of ["registry.example", "10.0.0.1:5000", "128.0.0.1", "localhost.example"]) {
    assert.equal(isLoopbackRegistry(host), false, host);
  }
});
