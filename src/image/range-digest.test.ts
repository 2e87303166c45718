import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RangeDigester } from "./range-digest.ts";

const sha256 = (data: Buffer): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

test("ranges are hashed on the worker in the order asked, and a range past the file's end is refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-range-digest-"));
  const digester = new RangeDigester();
  try {
    const path = join(dir, "blob");
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(path, data);
    const ranges = [
      { start: 0, end: data.length },
      { start: 100, end: 2 * 1024 * 1024 + 5 },
      { start: 7, end: 7 },
    ];
    const digests = await Promise.all(ranges.map((range) => digester.sha256({ path, ...range })));
    assert.deepEqual(
      digests,
      ranges.map((range) => sha256(data.subarray(range.start, range.end))),
    );
    await assert.rejects(digester.sha256({ path, start: 0, end: data.length + 1 }), /ends before the layer does/);
    await assert.rejects(digester.sha256({ path: join(dir, "missing"), start: 0, end: 1 }), /ENOENT/);
    assert.equal(await digester.sha256({ path, start: 1, end: 2 }), sha256(data.subarray(1, 2)), "still usable");
  } finally {
    await digester.close();
    await rm(dir, { recursive: true, force: true });
  }
});
