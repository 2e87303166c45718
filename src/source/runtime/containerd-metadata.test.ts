import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import { decodeGoTime, decodeVarint } from "./containerd-metadata.ts";

test("sizes are Go's zigzag varints", () => {
  assert.equal(decodeVarint(Buffer.from([0xd6, 0x08]), "size"), 555);
  assert.equal(decodeVarint(Buffer.from([0x00]), "size"), 0);
  assert.equal(decodeVarint(Buffer.from([0x80, 0x80, 0x80, 0x10]), "size"), 16_777_216);
  assert.throws(() => decodeVarint(Buffer.from([0x01]), "size"), InputError, "negative");
  assert.throws(() => decodeVarint(Buffer.from([0x80, 0x80]), "size"), InputError, "unterminated");
});

test("times are Go's time.MarshalBinary", () => {
  const bytes = Buffer.alloc(15);
  bytes[0] = 1;
  bytes.writeBigInt64BE(62_135_596_800n + 1_704_067_200n, 1);
  bytes.writeInt32BE(250_000_000, 9);
  bytes.writeInt16BE(-1, 13);
  assert.equal(decodeGoTime(bytes), "2024-01-01T00:00:00.250Z");
  assert.equal(decodeGoTime(bytes.subarray(0, 10)), undefined);
  assert.equal(decodeGoTime(undefined), undefined);
});
