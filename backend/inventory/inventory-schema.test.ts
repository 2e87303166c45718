import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInventoryError, parseInventory } from "./inventory-schema.ts";

const layer = { index: 0, digest: "sha256:aa", diffId: "sha256:bb", size: 10, mediaType: "application/x-tar" };
const ref = { index: 0, digest: "sha256:aa", diffId: "sha256:bb" };

const musl = {
  id: "p1",
  name: "musl",
  version: "1.2.4-r2",
  ecosystem: "apk",
  purl: "pkg:apk/alpine/musl@1.2.4-r2",
  licenses: ["MIT"],
  foundBy: "apk-installed",
  layer: ref,
  locations: [{ path: "/lib/apk/db/installed", layer: ref }],
  metadata: { kind: "apk", origin: "musl", dependencies: [], provides: ["so:libc.musl-x86_64.so.1=1"] },
};

function inventory(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    scanner: { name: "strata", version: "0.1.0" },
    scannedAt: "2025-01-01T00:00:00.000Z",
    image: { kind: "oci-layout", reference: "x", configDigest: `sha256:${"c".repeat(64)}`, tags: [] },
    layers: [layer],
    packages: [musl],
    issues: [],
    ...overrides,
  };
}

function problemOf(input: unknown): { message: string; paths: string[] } {
  try {
    parseInventory(input);
  } catch (error) {
    assert.ok(error instanceof InvalidInventoryError);
    return { message: error.message, paths: error.problems.map((problem) => problem.path) };
  }
  assert.fail("the inventory was accepted");
}

test("a valid inventory is returned with unknown fields dropped", () => {
  const parsed = parseInventory(inventory({ vulnerabilities: { findings: [{ id: "X" }] }, extra: 1 }));
  assert.equal(parsed.packages[0]?.metadata.kind, "apk");
  assert.equal("vulnerabilities" in parsed, false);
  assert.equal("extra" in parsed, false);
});

test("the schema version is checked first, with its own message", () => {
  assert.match(problemOf(inventory({ schemaVersion: 2 })).message, /unsupported inventory schemaVersion 2/);
  assert.match(problemOf(inventory({ schemaVersion: "1" })).message, /unsupported inventory schemaVersion "1"/);
  assert.match(problemOf({}).message, /no schemaVersion/);
  assert.match(problemOf([]).message, /not a JSON object/);
  assert.match(problemOf(null).message, /not a JSON object/);
});

test("problems name their place in the document", () => {
  const pkg = musl;
  const wrongMetadata = { ...pkg, metadata: { ...musl.metadata, dependencies: "musl" } };
  const result = problemOf(inventory({ packages: [wrongMetadata] }));
  assert.deepEqual(result.paths, ["packages[0].metadata.dependencies"]);
  assert.match(result.message, /^invalid inventory: packages\[0\]\.metadata\.dependencies: /);

  const unknownKind = { ...pkg, metadata: { kind: "cobol" } };
  assert.deepEqual(problemOf(inventory({ packages: [unknownKind] })).paths, ["packages[0].metadata.kind"]);
});

test("cross-field rules: a digest to key the image by, layers in order, unique package ids", () => {
  const noDigest = inventory({ image: { kind: "rootfs", reference: "/", tags: [] } });
  assert.match(problemOf(noDigest).message, /neither configDigest nor manifestDigest/);
  const badDigest = inventory({ image: { kind: "oci-layout", reference: "x", configDigest: "../etc", tags: [] } });
  assert.deepEqual(problemOf(badDigest).paths, ["image.configDigest"]);
  assert.deepEqual(problemOf(inventory({ layers: [{ ...layer, index: 1 }] })).paths, ["layers[0].index"]);
  const pkg = musl;
  const twice = problemOf(inventory({ packages: [pkg, pkg] }));
  assert.deepEqual(twice.paths, ["packages[1].id"]);
  assert.match(twice.message, /duplicate package id p1/);
});

test("many problems are summarised, not all listed", () => {
  const pkg = musl;
  const broken = Array.from({ length: 30 }, (_, index) => ({ ...pkg, id: `p${index}`, name: index }));
  const result = problemOf(inventory({ packages: broken }));
  assert.equal(result.paths.length, 10);
  assert.match(result.message, /\(and 29 more\)$/);
});
