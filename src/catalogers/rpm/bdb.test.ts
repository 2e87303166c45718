import { test } from "node:test";
import assert from "node:assert/strict";
import { berkeleyDbValues, isBerkeleyDb } from "./bdb.ts";
import { berkeleyDb } from "./test-fixtures.ts";

function read(bytes: Buffer): { values: string[]; issues: string[] } {
  const issues: string[] = [];
  const values = [...berkeleyDbValues(bytes, issues)].map((value) => value.toString("latin1"));
  return { values, issues };
}

// Stand-ins for header images: the reader returns values, whatever they hold.
const big = "B".repeat(1500);
const small = "s".repeat(40);
const other = "O".repeat(700);

for (const littleEndian of [true, false]) {
  test(`reads in-page and overflow values (${littleEndian ? "little" : "big"}-endian)`, () => {
    const db = berkeleyDb(
      [big, small, other].map((s) => Buffer.from(s)),
      { littleEndian },
    );
    assert.ok(isBerkeleyDb(db.bytes));
    assert.equal(db.chains[0]?.length, 4, "the big value spans several overflow pages");
    assert.deepEqual(read(db.bytes), { values: [big, small, other], issues: [] });
  });
}

test("larger page sizes work the same", () => {
  const db = berkeleyDb(
    [big, other].map((s) => Buffer.from(s)),
    { pageSize: 4096, littleEndian: false },
  );
  assert.deepEqual(read(db.bytes).values, [big, other]);
});

test("small in-page values (rpm's instance counter) are not headers", () => {
  const db = berkeleyDb([Buffer.from([7, 0, 0, 0]), Buffer.from(other)]);
  assert.deepEqual(read(db.bytes), { values: [other], issues: [] });
});

test("a truncated file: an issue, and the values whose pages remain are still read", () => {
  const db = berkeleyDb([big, other].map((s) => Buffer.from(s)));
  const lastOfFirst = db.chains[0]?.at(-1) ?? 0;
  const { values, issues } = read(db.bytes.subarray(0, (lastOfFirst + 1) * db.pageSize + 100));
  assert.deepEqual(values, [big]);
  assert.equal(issues.length, 2);
  assert.match(issues[0] ?? "", /truncated: the metadata counts 8 pages of 512 bytes, the file holds 6/);
  assert.match(issues[1] ?? "", /page 1 item 3: overflow chain points to page 6, past the end of the file/);
});

test("a file cut inside its metadata page, or shorter than it", () => {
  const db = berkeleyDb([Buffer.from(other)]);
  assert.match(read(db.bytes.subarray(0, 40)).issues[0] ?? "", /shorter than its metadata page/);
  assert.match(read(db.bytes.subarray(0, 400)).issues[0] ?? "", /truncated/);
});

test("an overflow reference pointing past the end of the file is skipped with an issue", () => {
  const db = berkeleyDb([big, other].map((s) => Buffer.from(s)));
  db.bytes.writeUInt32LE(9999, (db.items[0] ?? 0) + 4);
  const { values, issues } = read(db.bytes);
  assert.deepEqual(values, [other]);
  assert.deepEqual(issues, [
    "Berkeley DB: page 1 item 1: overflow chain points to page 9999, past the end of the file (0 of 1500 bytes); skipped",
  ]);
});

test("a value longer than the file could hold is refused before allocating", () => {
  const db = berkeleyDb([big, other].map((s) => Buffer.from(s)));
  db.bytes.writeUInt32LE(0xffffffff, (db.items[0] ?? 0) + 8);
  const { values, issues } = read(db.bytes);
  assert.deepEqual(values, [other]);
  assert.match(issues[0] ?? "", /claims a value of 4294967295 bytes/);
});

test("overflow chains that loop or share pages are cut off", () => {
  const looping = berkeleyDb([big, other].map((s) => Buffer.from(s)));
  const chain = looping.chains[0] ?? [];
  // The last page of the chain points back to the first, and claims room for more data.
  const last = (chain.at(-1) ?? 0) * looping.pageSize;
  looping.bytes.writeUInt32LE(chain[0] ?? 0, last + 16);
  looping.bytes.writeUInt16LE(10, last + 22);
  const loop = read(looping.bytes);
  assert.deepEqual(loop.values, [other]);
  assert.match(loop.issues[0] ?? "", /overflow page 2 is already in use/);

  const sharing = berkeleyDb([big, other].map((s) => Buffer.from(s)));
  sharing.bytes.writeUInt32LE(sharing.chains[0]?.[0] ?? 0, (sharing.items[1] ?? 0) + 4);
  sharing.bytes.writeUInt32LE(1500, (sharing.items[1] ?? 0) + 8);
  const shared = read(sharing.bytes);
  assert.deepEqual(shared.values, [big]);
  assert.match(shared.issues[0] ?? "", /already in use/);
});

test("a chain ending early, a non-overflow page in a chain, a bad item offset: issues", () => {
  const early = berkeleyDb([big].map((s) => Buffer.from(s)));
  early.bytes.writeUInt32LE(0, (early.chains[0]?.[1] ?? 0) * early.pageSize + 16);
  assert.match(read(early.bytes).issues[0] ?? "", /overflow chain ends early \(972 of 1500 bytes\)/);

  const wrongType = berkeleyDb([big].map((s) => Buffer.from(s)));
  wrongType.bytes[(wrongType.chains[0]?.[2] ?? 0) * wrongType.pageSize + 25] = 13;
  const wrong = read(wrongType.bytes);
  assert.deepEqual(wrong.values, []);
  assert.ok(wrong.issues.some((issue) => /page 4 of its overflow chain is not an overflow page/.test(issue)));

  const badOffset = berkeleyDb([small, other].map((s) => Buffer.from(s)));
  badOffset.bytes.writeUInt16LE(60000, badOffset.pageSize + 26 + 2);
  const bad = read(badOffset.bytes);
  assert.deepEqual(bad.values, [other]);
  assert.match(bad.issues[0] ?? "", /page 1 item 1 lies outside the page/);
});

test("btree, encrypted and odd page sizes are refused with an issue", () => {
  const btree = berkeleyDb([Buffer.from(other)]).bytes;
  btree.writeUInt32LE(0x053162, 12);
  assert.match(read(btree).issues[0] ?? "", /btree/);
  const encrypted = berkeleyDb([Buffer.from(other)]).bytes;
  encrypted[24] = 1;
  assert.match(read(encrypted).issues[0] ?? "", /encrypted/);
  const oddPages = berkeleyDb([Buffer.from(other)]).bytes;
  oddPages.writeUInt32LE(1000, 20);
  assert.match(read(oddPages).issues[0] ?? "", /page size 1000/);
  assert.equal(isBerkeleyDb(Buffer.from("not a database at all")), false);
});
