import { test } from "node:test";
import assert from "node:assert/strict";
import {
  binTag,
  int32Tag,
  int64Tag,
  readHeader,
  type RpmHeader,
  stringArrayTag,
  stringTag,
  tagType,
} from "./rpm-header.ts";
import { rpmHeader } from "./test-fixtures.ts";

function header(blob: Buffer): RpmHeader {
  const read = readHeader(blob);
  assert.ok(!(read instanceof Error), read instanceof Error ? read.message : "");
  return read;
}

test("reads strings, string arrays, integers and binary values", () => {
  const h = header(
    rpmHeader([
      { tag: 1000, type: tagType.string, value: "bash" },
      { tag: 1004, type: tagType.i18nString, value: "The GNU Bourne Again shell" },
      { tag: 1047, type: tagType.stringArray, value: ["bash", "config(bash)", "/bin/sh"] },
      { tag: 1009, type: tagType.int32, value: [7_340_032] },
      { tag: 5009, type: tagType.int64, value: [5_000_000_000n] },
      { tag: 261, type: tagType.bin, value: Buffer.from("00112233445566778899aabbccddeeff", "hex") },
    ]),
  );
  assert.equal(stringTag(h, 1000), "bash");
  assert.equal(stringTag(h, 1004), "The GNU Bourne Again shell");
  assert.deepEqual(stringArrayTag(h, 1047, 10), ["bash", "config(bash)", "/bin/sh"]);
  assert.equal(int32Tag(h, 1009), 7_340_032);
  assert.equal(int64Tag(h, 5009), 5_000_000_000);
  assert.equal(binTag(h, 261)?.toString("hex"), "00112233445566778899aabbccddeeff");
  assert.equal(stringTag(h, 1001), undefined, "an absent tag");
});

test("a later entry for the same tag wins (rpm's dribble entries)", () => {
  const h = header(
    rpmHeader([
      { tag: 1014, type: tagType.string, value: "GPLv2" },
      { tag: 1014, type: tagType.string, value: "GPL-2.0-only" },
    ]),
  );
  assert.equal(stringTag(h, 1014), "GPL-2.0-only");
});

test("a value of the wrong type is an error for that tag only", () => {
  const h = header(
    rpmHeader([
      { tag: 1000, type: tagType.int32, value: [1] },
      { tag: 1001, type: tagType.string, value: "1.0" },
    ]),
  );
  assert.match(String(stringTag(h, 1000)), /tag 1000 has unexpected type 4/);
  assert.equal(stringTag(h, 1001), "1.0");
});

test("an index entry whose offset lies past the data store is an error, not a crash", () => {
  const blob = rpmHeader([
    { tag: 1000, type: tagType.string, value: "bash" },
    { tag: 1014, type: tagType.string, value: "GPLv3+" },
    { tag: 1009, type: tagType.int32, value: [42] },
    { tag: 1047, type: tagType.stringArray, value: ["a", "b"] },
  ]);
  // Entries start at byte 8; the offset is the third u32 of each 16-byte entry.
  blob.writeUInt32BE(0xfffffff0, 8 + 16 + 8);
  blob.writeUInt32BE(0xfffffffe, 8 + 32 + 8);
  blob.writeUInt32BE(0x7ffffff0, 8 + 48 + 8);
  const h = header(blob);
  assert.equal(stringTag(h, 1000), "bash");
  assert.match(String(stringTag(h, 1014)), /starts past the data store/);
  assert.match(String(int32Tag(h, 1009)), /run past the \d+-byte data store/);
  assert.match(String(stringArrayTag(h, 1047, 10)), /starts past the data store/);
});

test("strings without a terminating NUL, and counts that cannot fit, are errors", () => {
  const blob = rpmHeader([{ tag: 1000, type: tagType.string, value: "bash" }]);
  blob[blob.length - 1] = 0x41; // overwrite the NUL
  assert.match(String(stringTag(header(blob), 1000)), /no terminating NUL/);

  const array = rpmHeader([{ tag: 1047, type: tagType.stringArray, value: ["a", "b"] }]);
  array.writeUInt32BE(1_000_000, 8 + 12);
  assert.match(String(stringArrayTag(header(array), 1047, 2_000_000)), /cannot fit/);
  assert.match(String(stringArrayTag(header(array), 1047, 10)), /more than the cap of 10/);

  const zero = rpmHeader([{ tag: 1009, type: tagType.int32, value: [1] }]);
  zero.writeUInt32BE(0, 8 + 12);
  assert.match(String(int32Tag(header(zero), 1009)), /count is 0/);
});

function refusal(blob: Buffer): string {
  const read = readHeader(blob);
  return read instanceof Error ? read.message : "read";
}

test("a header whose index or data store does not fit its blob is refused", () => {
  const blob = rpmHeader([{ tag: 1000, type: tagType.string, value: "bash" }]);
  assert.match(refusal(blob.subarray(0, blob.length - 2)), /needs \d+ bytes/);
  assert.match(refusal(blob.subarray(0, 5)), /too short/);
  const many = Buffer.from(blob);
  many.writeUInt32BE(0x10000, 0);
  assert.match(refusal(many), /65536 index entries/);
  const none = Buffer.from(blob);
  none.writeUInt32BE(0, 0);
  assert.match(refusal(none), /0 index entries/);
  const huge = Buffer.from(blob);
  huge.writeUInt32BE(0xffffffff, 4);
  assert.match(refusal(huge), /data store of 4294967295 bytes/);
});
