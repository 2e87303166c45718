import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { tarOf } from "../../../test/image-builder/index.ts";
import { InputError } from "../../errors.ts";
import { tarFromSplit } from "./tar-split.ts";

let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-tar-split-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A tar-split record of a plain ustar archive: headers and padding as raw segments, regular files by name. */
function splitRecord(tar: Buffer, rename: (name: string) => Record<string, string> = (name) => ({ name })): Buffer {
  const lines: string[] = [];
  const raw = (bytes: Buffer): void => {
    lines.push(JSON.stringify({ type: 2, payload: bytes.toString("base64"), position: lines.length }));
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    const name = header.subarray(0, 100).toString("latin1").replace(/\0.*$/s, "");
    const typeflag = String.fromCharCode(header[156] ?? 0);
    raw(header);
    at += 512;
    const padded = Math.ceil(size / 512) * 512;
    if (typeflag === "0" || typeflag === "\0") {
      lines.push(JSON.stringify({ type: 1, ...rename(name), size, payload: null, position: lines.length }));
      if (padded > size) raw(tar.subarray(at + size, at + padded));
    } else {
      lines.push(JSON.stringify({ type: 1, name, payload: null, position: lines.length }));
      if (padded > 0) raw(tar.subarray(at, at + padded));
    }
    at += padded;
  }
  raw(tar.subarray(at));
  return gzipSync(`${lines.join("\n")}\n`);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function layerOnDisk(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

test("the rebuilt tar is the original, byte for byte, whiteouts and all", async () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  const tar = await tarOf({
    "etc/os-release": "ID=debian\n",
    "etc/.wh.gone": "",
    "usr/share/doc/.wh..wh..opq": "",
    "usr/lib/big.bin": big,
    "bin/sh": { symlink: "dash" },
    "empty.txt": "",
  });
  // Whiteouts are size 0, so they are never looked for on disk (overlay keeps them as devices there).
  const dir = await layerOnDisk("whole", { "etc/os-release": "ID=debian\n", "usr/lib/big.bin": big, "empty.txt": "" });
  const split = join(work, "whole.tar-split.gz");
  await writeFile(split, splitRecord(tar));
  const rebuilt = await readAll(tarFromSplit(split, dir, "layer whole"));
  assert.equal(rebuilt.length, tar.length);
  assert.equal(sha256(rebuilt), sha256(tar));
});

test("name_raw names files whose names are not UTF-8", async () => {
  const tar = await tarOf({ "data/file": "bytes\n" });
  const dir = join(work, "raw");
  await mkdir(join(dir, "data"), { recursive: true });
  const odd = Buffer.concat([Buffer.from(`${dir}/data/`), Buffer.from([0x66, 0xff])]);
  await writeFile(odd, "bytes\n");
  const split = join(work, "raw.tar-split.gz");
  await writeFile(
    split,
    splitRecord(tar, () => ({ name_raw: Buffer.from([0x64, 0x61, 0x74, 0x61, 0x2f, 0x66, 0xff]).toString("base64") })),
  );
  assert.equal(sha256(await readAll(tarFromSplit(split, dir, "layer raw"))), sha256(tar));
});

test("names that climb out of the layer, directly or through a symlink, are refused", async () => {
  const tar = await tarOf({ "etc/passwd": "root:x:0:0::/root:/bin/sh\n" });
  const outside = await layerOnDisk("outside", { "etc/passwd": "root:x:0:0::/root:/bin/sh\n" });
  const dir = await layerOnDisk("escape", {});
  await symlink(join(outside, "etc"), join(dir, "etc"));
  const split = join(work, "escape.tar-split.gz");
  await writeFile(split, splitRecord(tar));
  await assert.rejects(
    readAll(tarFromSplit(split, dir, "layer escape")),
    (error: unknown) => error instanceof InputError && error.message.includes("through a symbolic link"),
  );
  await writeFile(
    split,
    splitRecord(tar, (name) => ({ name: `../outside/${name}` })),
  );
  await assert.rejects(
    readAll(tarFromSplit(split, dir, "layer escape")),
    (error: unknown) => error instanceof InputError && error.message.includes("outside the layer"),
  );
});

test("a file whose size changed on disk, a missing file and a missing record are input errors", async () => {
  const tar = await tarOf({ "var/lib/dpkg/status": "Package: a\n" });
  const dir = await layerOnDisk("changed", { "var/lib/dpkg/status": "Package: a\nVersion: 2\n" });
  const split = join(work, "changed.tar-split.gz");
  await writeFile(split, splitRecord(tar));
  await assert.rejects(readAll(tarFromSplit(split, dir, "layer changed")), /changed after it was stored/);
  const empty = await layerOnDisk("missing", {});
  await assert.rejects(readAll(tarFromSplit(split, empty, "layer missing")), /"var\/lib\/dpkg\/status" cannot be read/);
  await assert.rejects(
    readAll(tarFromSplit(join(work, "absent.tar-split.gz"), dir, "layer absent")),
    (error: unknown) => error instanceof InputError && error.message.includes("no tar-split record"),
  );
  const garbage = join(work, "garbage.tar-split.gz");
  await writeFile(garbage, gzipSync('{"type":1,"name":"x","size":-4}\n'));
  await assert.rejects(readAll(tarFromSplit(garbage, dir, "layer garbage")), /non-negative integer/);
});
