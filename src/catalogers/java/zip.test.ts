import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, deflateRawSync } from "node:zlib";
import { strToU8, zipSync } from "fflate";
import { InputError, LimitError } from "../../errors.ts";
import { parseJavaArchive } from "./parse-java-archive.ts";
import { readZipDirectory, readZipEntry } from "./zip.ts";

interface RawEntry {
  name: string;
  /** The bytes as stored in the archive (already deflated when method is 8). */
  data: Buffer;
  method: 0 | 8;
  /** The uncompressed size written in the headers (defaults to data.length). */
  declaredSize?: number;
}

/**
 * A zip written field by field, so tests can declare any size, force ZIP64 records or prepend
 * data: things zip libraries refuse to write. CRCs are left 0 (the reader does not check them).
 */
function rawZip(entries: readonly RawEntry[], options: { zip64?: boolean; prefix?: Buffer } = {}): Buffer {
  const zip64 = options.zip64 === true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, entry.data);

    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(entry.data.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(zip64 ? 45 : 20, 4);
    central.writeUInt16LE(zip64 ? 45 : 20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(zip64 ? 0xffffffff : entry.data.length, 20);
    central.writeUInt32LE(zip64 ? 0xffffffff : size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    centrals.push(central, name, extra);
    offset += 30 + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([options.prefix ?? Buffer.alloc(0), ...locals, directory, ...tail, end]);
}

const stored = (name: string, text: string): RawEntry => ({ name, data: Buffer.from(text), method: 0 });
const deflated = (name: string, content: Buffer): RawEntry => ({
  name,
  data: deflateRawSync(content),
  method: 8,
  declaredSize: content.length,
});
const pomProperties = (g: string, a: string, v: string) => `groupId=${g}\nartifactId=${a}\nversion=${v}\n`;

/** `mib` MiB of zeros as one raw deflate stream of about mib KiB, built without holding the zeros. */
function deflatedZeros(mib: number): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
  // Sync-flushed blocks are not final and end on a byte boundary, so they can be repeated; 03 00 ends the stream.
  return Buffer.concat([...Array.from({ length: mib }, () => chunk), Buffer.from([0x03, 0x00])]);
}

test("lists entries and reads stored and deflated ones", () => {
  const zip = rawZip([stored("a.txt", "stored text"), deflated("b.txt", Buffer.from("deflated text".repeat(10)))]);
  const { entries, truncated } = readZipDirectory(zip, 100);
  assert.equal(truncated, false);
  assert.deepEqual(
    entries.map((e) => [e.name, e.method, e.size]),
    [
      ["a.txt", 0, 11],
      ["b.txt", 8, 130],
    ],
  );
  assert.equal(readZipEntry(zip, entries[0]!).toString(), "stored text");
  assert.equal(readZipEntry(zip, entries[1]!).toString(), "deflated text".repeat(10));
});

test("ZIP64 records and extra fields are read", () => {
  const zip = rawZip([stored("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"), stored("x", "y")], { zip64: true });
  const { entries } = readZipDirectory(zip, 100);
  assert.deepEqual(
    entries.map((e) => e.name),
    ["META-INF/MANIFEST.MF", "x"],
  );
  assert.equal(readZipEntry(zip, entries[1]!).toString(), "y");
});

test("data prepended to the archive (an executable Spring Boot jar's launch script) shifts every offset", () => {
  const prefix = Buffer.from("#!/bin/bash\necho launching\nexit 0\n");
  for (const zip64 of [false, true]) {
    const zip = rawZip([stored("a", "first"), stored("b", "second")], { prefix, zip64 });
    const { entries } = readZipDirectory(zip, 100);
    assert.equal(readZipEntry(zip, entries[1]!).toString(), "second");
  }
  // fflate's own output, with a prefix, read through the whole parser.
  const jar = Buffer.from(zipSync({ "META-INF/maven/g/app/pom.properties": strToU8(pomProperties("g", "app", "1")) }));
  const { packages, issues } = parseJavaArchive(Buffer.concat([prefix, jar]), "app.jar");
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => p.purl),
    ["pkg:maven/g/app@1"],
  );
});

test("the entry limit truncates the listing", () => {
  const zip = rawZip([stored("a", "1"), stored("b", "2"), stored("c", "3")]);
  const { entries, truncated } = readZipDirectory(zip, 2);
  assert.equal(truncated, true);
  assert.equal(entries.length, 2);
});

test("damaged archives: InputError, never another exception", () => {
  assert.throws(() => readZipDirectory(Buffer.alloc(0), 10), InputError);
  assert.throws(() => readZipDirectory(Buffer.from("not a zip at all, just some text"), 10), InputError);
  const zip = rawZip([stored("a", "first"), stored("b", "second")]);
  // Cut in the middle of the data: the end record is gone.
  assert.throws(() => readZipDirectory(zip.subarray(0, 40), 10), InputError);
  // Entry data pointing past the end.
  const { entries } = readZipDirectory(zip, 10);
  assert.throws(() => readZipEntry(zip, { ...entries[1]!, compressedSize: 10_000, size: 10_000 }), InputError);
  assert.throws(() => readZipEntry(zip, { ...entries[1]!, localHeaderOffset: 3 }), InputError);
  assert.throws(() => readZipEntry(zip, { ...entries[1]!, method: 12 }), /compression method 12/);
  assert.throws(() => readZipEntry(zip, { ...entries[1]!, flags: 1 }), /encrypted/);
  const bad = rawZip([
    { name: "x", data: Buffer.from("definitely not deflate data \xff\xff"), method: 8, declaredSize: 100 },
  ]);
  assert.throws(() => readZipEntry(bad, readZipDirectory(bad, 10).entries[0]!), InputError);
});

test("an entry that inflates past its declared size stops at that size", () => {
  const zip = rawZip([{ name: "bomb", data: deflatedZeros(64), method: 8, declaredSize: 1000 }]);
  const [entry] = readZipDirectory(zip, 10).entries;
  assert.throws(() => readZipEntry(zip, entry!), LimitError);
});

test("zip bomb in a war: 1 GiB of zeros declared truthfully, and the same declared as 1000 bytes", () => {
  const zeros = deflatedZeros(1024);
  const war = rawZip([
    stored("META-INF/maven/com.example/app/pom.properties", pomProperties("com.example", "app", "1.0")),
    { name: "WEB-INF/lib/honest-bomb.jar", data: zeros, method: 8, declaredSize: 1024 * 1024 * 1024 },
    { name: "WEB-INF/lib/lying-bomb.jar", data: zeros, method: 8, declaredSize: 1000 },
    deflated(
      "WEB-INF/lib/good-2.0.jar",
      rawZip([stored("META-INF/maven/com.example/good/pom.properties", pomProperties("com.example", "good", "2.0"))]),
    ),
  ]);
  const started = Date.now();
  const { packages, issues } = parseJavaArchive(war, "app.war");
  assert.ok(Date.now() - started < 5000, "the bomb is not inflated");
  assert.deepEqual(
    packages.map((p) => `${p.name}@${p.version}`),
    ["com.example:app@1.0", "com.example:good@2.0"],
  );
  assert.deepEqual(issues, [
    "WEB-INF/lib/honest-bomb.jar: declares 1073741824 bytes, more than the 268435456 read; skipped",
    "WEB-INF/lib/lying-bomb.jar: the entry inflates past its declared size of 1000 bytes",
  ]);
});

test("the inflated-bytes budget covers the whole file: one issue, the rest still reported", () => {
  const nested = (n: number) =>
    deflated(
      `lib/part${n}-1.0.jar`,
      rawZip([
        stored(`META-INF/maven/g/part${n}/pom.properties`, pomProperties("g", `part${n}`, "1.0")),
        stored("filler.bin", "\0".repeat(600 * 1024)),
      ]),
    );
  const outer = rawZip([
    nested(1),
    nested(2),
    nested(3),
    stored("META-INF/maven/g/outer/pom.properties", pomProperties("g", "outer", "1")),
  ]);
  const limits = {
    maxDepth: 16,
    maxEntries: 1000,
    maxInflatedBytes: 1024 * 1024,
    maxNestedArchiveBytes: 1024 * 1024,
    maxMetadataBytes: 4096,
  };
  const { packages, issues } = parseJavaArchive(outer, "outer.jar", limits);
  assert.deepEqual(packages.map((p) => p.name).sort(), ["g:outer", "g:part1"]);
  assert.deepEqual(issues, [
    "lib/part2-1.0.jar: the limit of 1048576 inflated bytes for this file was reached; this and later compressed entries are not read",
  ]);
});
