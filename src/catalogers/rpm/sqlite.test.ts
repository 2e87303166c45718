import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { isSqlite, sqliteValues } from "./sqlite.ts";
import { sqliteDb } from "./test-fixtures.ts";

function read(bytes: Buffer): { values: string[]; issues: string[] } {
  const issues: string[] = [];
  const values = [...sqliteValues(bytes, issues)].map((value) => value.toString("latin1"));
  return { values, issues };
}

test("reads the Packages blobs of a WAL-mode database, leaving the input untouched", () => {
  const bytes = sqliteDb([Buffer.from("one"), Buffer.from("two")]);
  assert.ok(isSqlite(bytes));
  assert.deepEqual(read(bytes), { values: ["one", "two"], issues: [] });
  assert.equal(bytes[18], 2, "the caller's buffer is not patched");
});

test("a row that is not a blob is skipped with an issue", () => {
  assert.deepEqual(read(sqliteDb([Buffer.from("one"), "text", Buffer.from("three")])), {
    values: ["one", "three"],
    issues: ["SQLite: package 2 is not stored as a blob; skipped"],
  });
});

test("a corrupt or truncated database, or one without a Packages table: an issue", () => {
  const garbage = Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(200, 0xff)]);
  assert.match(read(garbage).issues[0] ?? "", /^SQLite: cannot (open|read)/);

  const bytes = sqliteDb(Array.from({ length: 50 }, (_, i) => Buffer.alloc(3000, i)));
  const truncated = read(bytes.subarray(0, Math.floor(bytes.length / 2)));
  assert.equal(truncated.issues.length, 1);
  assert.match(truncated.issues[0] ?? "", /^SQLite: cannot (open|read)/);

  const db = new Database(":memory:");
  db.exec("CREATE TABLE Other (x)");
  const other = db.serialize();
  db.close();
  assert.deepEqual(read(other), {
    values: [],
    issues: ["SQLite: cannot read the Packages table: no such table: Packages"],
  });
  assert.deepEqual(read(sqliteDb([])), { values: [], issues: [] });
});
