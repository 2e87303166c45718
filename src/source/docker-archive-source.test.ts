import assert from "node:assert/strict";
import { open, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sha256Digest, writeDockerArchive } from "../../test/image-builder/index.ts";
import { DockerArchiveSource } from "./docker-archive-source.ts";
import { openSource } from "./open.ts";

test("a docker save tarball says where each layer lies in it, so layers can be read in place", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-docker-archive-source-"));
  try {
    for (const layout of ["classic", "oci-compatible"] as const) {
      const file = join(dir, `${layout}.tar`);
      await writeDockerArchive(
        { layers: [{ files: { "a.txt": "one" } }, { files: { "b.txt": "two" } }, { files: { "a.txt": "one" } }] },
        file,
        { layout },
      );
      const source = await openSource(file);
      assert.ok(source instanceof DockerArchiveSource, layout);
      const ranges = await source.layerRanges();
      assert.equal(ranges?.length, 3);
      const handle = await open(file, "r");
      try {
        for (const [index, range] of (ranges ?? []).entries()) {
          assert.equal(range.path, file);
          const bytes = Buffer.alloc(range.end - range.start);
          await handle.read(bytes, 0, bytes.length, range.start);
          assert.equal(sha256Digest(bytes), source.layers[index]?.diffId, `${layout} layer ${index}`);
        }
      } finally {
        await handle.close();
      }
      await source.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
