import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { compress } from "zstd-napi";
import { sha256Digest, tarOf } from "../../test/image-builder/index.ts";
import { InterestMatcher } from "./interest.ts";
import { walkTarLayer } from "./walk-tar.ts";

const matcher = new InterestMatcher<string>([
  { owner: "db", interest: { paths: ["/var/lib/db", "/var/lib/linked"], globs: ["/**/big.bin"], maxBytes: 100 } },
]);

const layerFiles = {
  "var/lib/db": "a=1\n",
  "var/lib/linked": { hardlink: "var/lib/db" },
  "var/lib/ignored": "x",
  "usr/big.bin": Buffer.alloc(1000),
  "etc/.wh.removed": "",
  "opt/dir/.wh..wh..opq": "",
  lib: { symlink: "usr/lib" },
  "../escape": "nope",
} as const;

async function walk(blob: Buffer, expectedDigest?: string) {
  return walkTarLayer(Readable.from([blob]), {
    matcher,
    maxFileBytes: 1 << 20,
    ...(expectedDigest ? { expectedDigest } : {}),
  });
}

for (const [name, encode] of [
  ["plain", (tar: Buffer) => tar],
  ["gzip", (tar: Buffer) => gzipSync(tar)],
  ["zstd", (tar: Buffer) => compress(tar)],
] as const) {
  test(`walks a ${name} layer: wanted files, links, whiteouts, size caps`, async () => {
    const blob = encode(await tarOf(layerFiles));
    const changes = await walk(blob, sha256Digest(blob));
    assert.equal(changes.complete, true);
    assert.deepEqual([...changes.files.keys()].sort(), ["/var/lib/db", "/var/lib/linked"]);
    assert.equal(changes.files.get("/var/lib/linked")?.toString(), "a=1\n");
    assert.deepEqual(changes.removed, ["/etc/removed"]);
    assert.deepEqual(changes.opaqueDirs, ["/opt/dir"]);
    assert.deepEqual([...changes.symlinks], [["/lib", "usr/lib"]]);
    const files = changes.dropped.filter((path) => !path.endsWith("/"));
    assert.deepEqual(files, ["/var/lib/ignored", "/usr/big.bin"], "files not kept still replace lower ones");
    const directories = changes.dropped.filter((path) => path.endsWith("/"));
    assert.deepEqual(directories.sort(), ["/etc/", "/opt/", "/opt/dir/", "/usr/", "/var/", "/var/lib/"]);
    assert.ok(changes.issues.some((issue) => issue.path === "/usr/big.bin" && /limit/.test(issue.message)));
    assert.ok(changes.issues.some((issue) => /climbs out/.test(issue.message)));
  });
}

test("a truncated gzip layer keeps what was read and says it is incomplete", async () => {
  const files: Record<string, string> = { "var/lib/db": "a=1\n" };
  for (let i = 0; i < 200; i += 1) files[`filler/${i}`] = "x".repeat(5000) + String(i);
  const blob = gzipSync(await tarOf(files), { level: 1 });
  const changes = await walk(blob.subarray(0, Math.floor(blob.length / 2)));
  assert.equal(changes.complete, false);
  assert.equal(changes.files.get("/var/lib/db")?.toString(), "a=1\n");
  assert.match(changes.issues[0]?.message ?? "", /truncated|could not be read/);
});

test("a corrupt gzip layer is an incomplete layer, not an exception", async () => {
  const blob = gzipSync(await tarOf({ "var/lib/db": "a=1\n" }));
  blob.fill(0x55, 10, 40);
  const changes = await walk(blob);
  assert.equal(changes.complete, false);
  assert.match(changes.issues[0]?.message ?? "", /corrupt|could not be read/);
});

test("a blob that does not match its digest is reported", async () => {
  const blob = gzipSync(await tarOf({ "var/lib/db": "a=1\n" }));
  const changes = await walk(blob, `sha256:${"0".repeat(64)}`);
  assert.ok(changes.issues.some((issue) => /does not match/.test(issue.message)));
});
