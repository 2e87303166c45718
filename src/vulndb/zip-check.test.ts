import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { checkZip } from "./zip-check.ts";

const corpus = fileURLToPath(new URL("../../../shared/osv/", import.meta.url));
let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-zipcheck-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function check(name: string, bytes: Uint8Array): Promise<number> {
  const path = join(work, name);
  await writeFile(path, bytes);
  return checkZip(path);
}

test("the corpus zips are whole, one entry per record", async () => {
  assert.equal(await checkZip(join(corpus, "npm", "all.zip")), 467);
  assert.equal(await checkZip(join(corpus, "Debian", "all.zip")), 8836);
});

test("a zip with a comment is found from its end record", async () => {
  const zip = Buffer.from(zipSync({ "a.json": new TextEncoder().encode("{}") }, { comment: "x".repeat(300) }));
  assert.equal(await check("comment.zip", zip), 1);
});

test("truncated, damaged and foreign files are rejected", async () => {
  const zip = await readFile(join(corpus, "npm", "all.zip"));
  await assert.rejects(check("cut-end.zip", zip.subarray(0, zip.length - 10)), /no end of central directory/);
  await assert.rejects(check("half.zip", zip.subarray(0, zip.length / 2)), /no end of central directory/);
  const directoryOffset = zip.readUInt32LE(zip.length - 22 + 16);
  const missingMiddle = Buffer.concat([zip.subarray(0, 1000), zip.subarray(2000)]);
  await assert.rejects(check("gap.zip", missingMiddle), /central directory should end at byte/);
  const flipped = Buffer.from(zip);
  flipped.writeUInt32LE(0x12345678, secondHeader(zip, directoryOffset));
  await assert.rejects(check("flipped.zip", flipped), /central directory header 2 of 467 is missing/);
  await assert.rejects(check("text.zip", Buffer.from("<html>503 Service Unavailable</html>")), /not a readable zip/);
  await assert.rejects(check("empty.zip", Buffer.alloc(0)), /not a readable zip/);
});

test("a ZIP64 end record is followed to the central directory", async () => {
  const plain = Buffer.from(
    zipSync({ "a.json": new TextEncoder().encode("{}"), "b.json": new TextEncoder().encode("[]") }),
  );
  const end = plain.length - 22;
  const entries = plain.readUInt16LE(end + 10);
  const size = plain.readUInt32LE(end + 12);
  const offset = plain.readUInt32LE(end + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(end), 8);
  locator.writeUInt32LE(1, 16);
  const endRecord = Buffer.from(plain.subarray(end));
  endRecord.writeUInt16LE(0xffff, 8);
  endRecord.writeUInt16LE(0xffff, 10);
  endRecord.writeUInt32LE(0xffffffff, 12);
  endRecord.writeUInt32LE(0xffffffff, 16);
  const zip64 = Buffer.concat([plain.subarray(0, end), record, locator, endRecord]);
  assert.equal(await check("zip64.zip", zip64), 2);
  const noLocator = Buffer.concat([plain.subarray(0, end), record, endRecord]);
  await assert.rejects(check("zip64-broken.zip", noLocator), /ZIP64 sizes without a ZIP64 locator/);
});

function secondHeader(zip: Buffer, directoryOffset: number): number {
  const first = 46 + zip.readUInt16LE(directoryOffset + 28) + zip.readUInt16LE(directoryOffset + 30);
  return directoryOffset + first + zip.readUInt16LE(directoryOffset + 32);
}
