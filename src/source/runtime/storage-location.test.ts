import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import { parseDriver, splitStorageReference, storageLocation } from "./storage-location.ts";

test("[driver@root+runroot] before the name is read as skopeo reads it", () => {
  assert.deepEqual(splitStorageReference("localhost/a:1"), { name: "localhost/a:1" });
  assert.deepEqual(splitStorageReference("[vfs@/s/root+/s/run]localhost/a:1"), {
    name: "localhost/a:1",
    root: "/s/root",
    driver: "vfs",
  });
  assert.deepEqual(splitStorageReference("[/s/root]a"), { name: "a", root: "/s/root" });
  assert.throws(() => splitStorageReference("[vfs@/s/root"), InputError);
  assert.throws(() => splitStorageReference("[vfs@relative]a"), /absolute/);
  assert.equal(parseDriver("overlay2"), "overlay");
  assert.throws(() => parseDriver("btrfs"), /overlay and vfs/);
});

test("the reference beats the options, which beat storage.conf", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-storage-conf-"));
  try {
    const conf = join(dir, "storage.conf");
    await writeFile(conf, '[storage]\ndriver = "overlay"\ngraphroot = "/from/conf"\n');
    const env = { CONTAINERS_STORAGE_CONF: conf };
    if (process.getuid?.() === 0) {
      assert.deepEqual(await storageLocation({ env }), { root: "/from/conf", driver: "overlay" });
    }
    assert.deepEqual(await storageLocation({ env, storageRoot: "/from/option", storageDriver: "vfs" }), {
      root: "/from/option",
      driver: "vfs",
    });
    assert.deepEqual(await storageLocation({ env, storageRoot: "/from/option" }, { root: "/from/ref" }), {
      root: "/from/ref",
      driver: "overlay",
    });
    await writeFile(conf, "[storage\n");
    await assert.rejects(storageLocation({ env }), /not valid TOML/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
