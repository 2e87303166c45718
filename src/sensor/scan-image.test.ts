import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError } from "../errors.ts";
import { scanForSensor } from "./scan-image.ts";

let work = "";
let rootfs = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-sensor-scan-"));
  rootfs = join(work, "rootfs");
  await mkdir(join(rootfs, "etc"), { recursive: true });
  await writeFile(join(rootfs, "etc", "os-release"), "ID=debian\nVERSION_ID=12\n");
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const scan = (): Parameters<typeof scanForSensor>[0] => ({
  reference: `dir:${rootfs}`,
  source: {},
  cacheDir: join(work, "cache"),
  env: {},
});

test("a scan that runs to its end gives the inventory", async () => {
  const inventory = await scanForSensor(scan(), new AbortController().signal);
  assert.equal(inventory?.distro?.id, "debian");
});

test("a stop while the scan runs abandons it: no inventory, no error", async () => {
  const controller = new AbortController();
  const running = scanForSensor(scan(), controller.signal);
  controller.abort();
  assert.equal(await running, undefined);
});

test("each scan spools into a folder of its own, removed when it ends, stopped or not", async () => {
  const spoolDir = join(work, "spool");
  await mkdir(spoolDir);
  const spooling = { ...scan(), source: { runtime: { spoolDir } } };
  assert.equal((await scanForSensor(spooling, new AbortController().signal))?.distro?.id, "debian");
  const controller = new AbortController();
  const running = scanForSensor(spooling, controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const during = await readdir(spoolDir);
  assert.equal(during.length, 1, "the scan's own folder, while it runs");
  assert.match(during[0] ?? "", /^strata-sensor-scan-/);
  controller.abort();
  await running;
  assert.deepEqual(await readdir(spoolDir), []);
});

test("a stop before the scan starts is an abort error", async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(scanForSensor(scan(), controller.signal), { name: "AbortError" });
});

test("a failure in the worker comes back as the error it was: its class, message and stack", async () => {
  const missing = join(work, "absent");
  await assert.rejects(
    scanForSensor({ ...scan(), reference: `dir:${missing}` }, new AbortController().signal),
    (error) => {
      assert.ok(error instanceof InputError, String(error));
      assert.equal(error.message, `"${missing}" (from "dir:${missing}") does not exist`);
      assert.match(error.stack ?? "", /open\.ts/);
      return true;
    },
  );
});
