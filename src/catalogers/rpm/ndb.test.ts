import { test } from "node:test";
import assert from "node:assert/strict";
import { isNdb, ndbValues } from "./ndb.ts";
import { ndb } from "./test-fixtures.ts";

function read(bytes: Buffer): { values: string[]; issues: string[] } {
  const issues: string[] = [];
  const values = [...ndbValues(bytes, issues)].map((value) => value.toString("latin1"));
  return { values, issues };
}

const values = ["first header", "second header, a little longer", "third"];

test("reads the blob of every used slot, in slot order", () => {
  const db = ndb(values.map((s) => Buffer.from(s)));
  assert.ok(isNdb(db.bytes));
  assert.deepEqual(read(db.bytes), { values, issues: [] });
});

test("free slots are skipped", () => {
  const db = ndb(values.map((s) => Buffer.from(s)));
  db.bytes.writeUInt32LE(0, (db.slots[1] ?? 0) + 4);
  assert.deepEqual(read(db.bytes), { values: ["first header", "third"], issues: [] });
});

test("a slot with a bad magic, and a blob pointing past the end of the file: issues, others still read", () => {
  const db = ndb(values.map((s) => Buffer.from(s)));
  db.bytes.write("Slop", db.slots[0] ?? 0, "latin1");
  db.bytes.writeUInt32LE(0x0fffffff, (db.slots[1] ?? 0) + 8);
  const { values: read_, issues } = read(db.bytes);
  assert.deepEqual(read_, ["third"]);
  assert.deepEqual(issues, [
    "ndb: slot at byte 32 has a bad magic; skipped",
    `ndb: package 2: its blocks (64 bytes at ${0x0fffffff * 16}) lie outside the file; skipped`,
  ]);
});

test("a blob with the wrong magic or package index, or a length beyond its blocks: skipped with an issue", () => {
  const db = ndb(values.map((s) => Buffer.from(s)));
  db.bytes.write("XXXX", db.blobs[0] ?? 0, "latin1");
  db.bytes.writeUInt32LE(9, (db.blobs[1] ?? 0) + 4);
  db.bytes.writeUInt32LE(4096, (db.blobs[2] ?? 0) + 12);
  const { values: read_, issues } = read(db.bytes);
  assert.deepEqual(read_, []);
  assert.equal(issues.length, 3);
  assert.match(issues[0] ?? "", /package 1: no blob for it/);
  assert.match(issues[1] ?? "", /package 2: no blob for it/);
  assert.match(issues[2] ?? "", /package 3: blob of 4096 bytes is larger than its 48-byte blocks/);
});

test("a truncated file: an issue, and the blobs still inside it are read", () => {
  const db = ndb(values.map((s) => Buffer.from(s)));
  const { values: read_, issues } = read(db.bytes.subarray(0, db.blobs[2] ?? 0));
  assert.deepEqual(read_, values.slice(0, 2));
  assert.match(issues[0] ?? "", /package 3: its blocks .* lie outside the file/);

  const cut = read(db.bytes.subarray(0, 1000));
  assert.deepEqual(cut.values, []);
  assert.match(cut.issues[0] ?? "", /truncated: 1 slot pages need 4096 bytes, the file has 1000/);
  assert.match(read(db.bytes.subarray(0, 20)).issues[0] ?? "", /shorter than its header/);
});

test("an unknown format version or no slot pages: an issue", () => {
  const version = ndb([]).bytes;
  version.writeUInt32LE(3, 4);
  assert.deepEqual(read(version), { values: [], issues: ["ndb: unsupported format version 3"] });
  const empty = ndb([]).bytes;
  empty.writeUInt32LE(0, 12);
  assert.deepEqual(read(empty), { values: [], issues: ["ndb: the header counts no slot pages"] });
});

test("many bad slots are counted, not all listed", () => {
  const db = ndb([]);
  for (let at = 32; at < 4096; at += 16) db.bytes.write("Bad!", at, "latin1");
  const { issues } = read(db.bytes);
  assert.equal(issues.length, 21);
  assert.equal(issues[20], "ndb: 234 more bad slots or blobs");
});
