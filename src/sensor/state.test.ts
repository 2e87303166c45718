import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { maxFailures, ScanState } from "./state.ts";

let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-sensor-state-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("scanned images are remembered across loads; failed ones are retried up to the limit", async () => {
  const path = join(work, "scanned.json");
  const { state, warning } = await ScanState.load(path);
  assert.equal(warning, undefined);
  assert.equal(state.size, 0);
  state.markScanned("sha256:a", "docker:app:1");
  assert.equal(state.markFailed("sha256:b", "docker:broken", "corrupt layer"), 1);
  await state.save();

  const again = (await ScanState.load(path)).state;
  assert.equal(again.isSettled("sha256:a"), true);
  assert.equal(again.isSettled("sha256:b"), false, "one failure: try again");
  for (let failures = 2; failures <= maxFailures; failures++) {
    assert.equal(again.markFailed("sha256:b", "docker:broken", "corrupt layer"), failures);
  }
  assert.equal(again.isSettled("sha256:b"), true, "given up after maxFailures");
  again.markScanned("sha256:b", "docker:fixed");
  assert.equal(again.isSettled("sha256:b"), true);
  assert.equal(again.isSettled("sha256:c"), false);
  await again.save();
  assert.deepEqual(
    (await readdir(work)).filter((name) => name.startsWith("scanned.json")),
    ["scanned.json"],
    "no temporary file is left",
  );
  assert.match(await readFile(path, "utf8"), /"sha256:b":\{"reference":"docker:fixed"/);
});

test("a damaged state file is moved aside with a warning, and the state starts empty", async () => {
  const path = join(work, "damaged.json");
  await writeFile(path, '{"version":1,"images":{"x":{"reference":');
  const { state, warning } = await ScanState.load(path);
  assert.equal(state.size, 0);
  assert.match(warning ?? "", /damaged\.json was unreadable .*moved to .*damaged\.json\.damaged-\d+/);
  assert.equal((await readdir(work)).filter((name) => name.startsWith("damaged.json.damaged-")).length, 1);
});
