import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { tarOf } from "../../test/image-builder/index.ts";
import { InputError } from "../errors.ts";
import { indexTar, normaliseEntryName } from "./tar-index.ts";

const scratch = await mkdtemp(join(tmpdir(), "tar-index-"));
after(() => rm(scratch, { recursive: true, force: true }));

async function tarFile(name: string, data: Buffer): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, data);
  return path;
}

/** A ustar header written by hand, for forms tar-stream does not write (GNU long names, base-256 sizes). */
function rawHeader(name: string, typeFlag: string, size: number | Buffer): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, "utf8");
  block.write("0000644\0", 100, "latin1");
  block.write("0000000\0", 108, "latin1");
  block.write("0000000\0", 116, "latin1");
  if (typeof size === "number") block.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  else size.copy(block, 124);
  block.write("00000000000\0", 136, "latin1");
  block.write(typeFlag, 156, "latin1");
  block.write("ustar  \0", 257, "latin1");
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

async function dataOf(path: string, entry: { dataOffset: number; size: number } | undefined): Promise<string> {
  assert.ok(entry);
  return (await readFile(path)).subarray(entry.dataOffset, entry.dataOffset + entry.size).toString();
}

test("indexes ustar names with a prefix and pax paths longer than 100 bytes", async () => {
  const deep = `${"nested-directory/".repeat(8)}file.txt`;
  const long = `dir/${"x".repeat(150)}`;
  const path = await tarFile("long.tar", await tarOf({ [deep]: "deep", [long]: "long", "short.txt": "short" }));
  const index = await indexTar(path);
  assert.equal(index.damage, undefined);
  assert.equal(await dataOf(path, index.entries.get(deep)), "deep");
  assert.equal(await dataOf(path, index.entries.get(long)), "long");
  assert.equal(await dataOf(path, index.entries.get("short.txt")), "short");
  assert.equal(index.entries.get("dir")?.type, "directory");
});

test("indexes GNU long names and long link names, and base-256 sizes", async () => {
  const longName = `${"a".repeat(120)}/target`;
  const linkName = `${"b".repeat(130)}/link`;
  const size256 = Buffer.alloc(12);
  size256[0] = 0x80;
  size256[11] = 5;
  const tar = Buffer.concat([
    rawHeader("././@LongLink", "L", Buffer.byteLength(longName) + 1),
    padded(Buffer.from(`${longName}\0`)),
    rawHeader("truncated-name", "0", size256),
    padded(Buffer.from("hello")),
    rawHeader("././@LongLink", "L", Buffer.byteLength(linkName)),
    padded(Buffer.from(linkName)),
    rawHeader("././@LongLink", "K", Buffer.byteLength(longName)),
    padded(Buffer.from(longName)),
    rawHeader("short-link", "2", 0),
    Buffer.alloc(1024),
  ]);
  const path = await tarFile("gnu.tar", tar);
  const index = await indexTar(path);
  assert.equal(index.damage, undefined);
  assert.deepEqual([...index.entries.keys()], [longName, linkName]);
  assert.equal(await dataOf(path, index.entries.get(longName)), "hello");
  const link = index.entries.get(linkName);
  assert.equal(link?.type, "symlink");
  assert.equal(link.linkName, longName);
});

test("normalises entry names", () => {
  assert.equal(normaliseEntryName("./blobs/sha256/abc"), "blobs/sha256/abc");
  assert.equal(normaliseEntryName("/manifest.json"), "manifest.json");
  assert.equal(normaliseEntryName("a//b/./c/"), "a/b/c");
  assert.equal(normaliseEntryName("a/../b"), "b");
  assert.equal(normaliseEntryName("./"), "");
});

test("a truncated tar keeps the whole entries and marks the cut one incomplete", async () => {
  const tar = await tarOf({ "one.bin": Buffer.alloc(2000, 1), "two.bin": Buffer.alloc(4000, 2), "three.bin": "3" });
  const path = await tarFile("cut.tar", tar);
  const whole = await indexTar(path);
  const two = whole.entries.get("two.bin");
  assert.ok(two);
  await truncate(path, two.dataOffset + 1000);
  const index = await indexTar(path);
  assert.equal(index.entries.get("one.bin")?.complete, true);
  assert.equal(index.entries.get("two.bin")?.complete, false);
  assert.equal(index.entries.has("three.bin"), false);
  assert.match(index.damage ?? "", /ends inside the data of "two.bin"/);
});

test("a tar cut inside a header reports damage", async () => {
  const path = await tarFile("cut-header.tar", await tarOf({ "one.txt": "1", "two.txt": "2" }));
  await truncate(path, 1024 + 100);
  const index = await indexTar(path);
  assert.equal(index.entries.get("one.txt")?.complete, true);
  assert.match(index.damage ?? "", /ends inside a tar header/);
});

test("a file that is not a tar is an InputError", async () => {
  const path = await tarFile("not.tar", Buffer.from('{"hello": "world"}\n'.repeat(40)));
  await assert.rejects(
    indexTar(path),
    (error) => error instanceof InputError && /not a tar archive/.test(error.message),
  );
  const empty = await tarFile("empty.tar", Buffer.alloc(0));
  await assert.rejects(indexTar(empty), InputError);
});
