/**
 * The upload queue across outages and crashes, with the real sensor command, a real backend on a SQLite file
 * and images in a containers-storage root (put there by skopeo; the sensor reads it as it reads CRI-O's).
 * - Backend down: inventories wait in the queue folder and the log says so. The backend comes back on the
 *   same port and SQLite file: every inventory arrives, each exactly once.
 * - Sensor killed with entries queued: a new sensor run delivers them without scanning again.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeOciArchive } from "../image-builder/index.ts";
import { cannotRun, runTool } from "../runtime/daemons.ts";
import {
  type Backend,
  crioSensorArgs,
  events,
  queuedUploads,
  spawnSensor,
  startBackend,
  storedImages,
  twoTestImages,
} from "./helpers.ts";

let work = "";
let skip: string | undefined;
let storageRoot = "";

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-sensor-durability-"));
    skip = await cannotRun([{ binary: "skopeo", debianPackage: "skopeo" }]);
    if (skip) return;
    storageRoot = join(work, "storage", "root");
    const runRoot = join(work, "storage", "run");
    try {
      for (const [index, image] of (await twoTestImages()).entries()) {
        const archive = join(work, `image-${index}.tar`);
        await writeOciArchive(image, archive);
        const [name] = image.repoTags ?? [];
        await runTool("skopeo", [
          "copy",
          "--quiet",
          `oci-archive:${archive}`,
          `containers-storage:[vfs@${storageRoot}+${runRoot}]${name ?? ""}`,
        ]);
      }
    } catch (error) {
      skip = `skopeo could not fill a containers-storage root here: ${String(error)}`;
    }
  },
  { timeout: 90_000 },
);

after(async () => {
  await rm(work, { recursive: true, force: true });
});

function sensorArgs(url: string, dataDir: string, extra: string[] = []): string[] {
  return crioSensorArgs({ storageRoot, cacheDir: join(work, "layer-cache"), url, dataDir }, extra);
}

/** A backend on a file, stopped again: the port and tokens are known, and nothing listens there. */
async function backendThatIsDown(name: string): Promise<{ backend: Backend; port: number; url: string }> {
  const dir = join(work, name);
  const backend = await startBackend(work, { databaseFile: `${dir}.db` });
  const { port, url } = backend.server;
  await backend.server.close();
  return { backend, port, url };
}

test("backend down: the inventories wait in the queue; when it is back, each arrives exactly once", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const { backend, port, url } = await backendThatIsDown("outage");
  const dataDir = join(work, "outage-data");
  const sensor = spawnSensor(sensorArgs(url, dataDir, ["--interval", "1h"]), { STRATA_TOKEN: backend.sensorToken });
  let restarted: Backend | undefined;
  try {
    await sensor.waitFor("queued", 2, 120_000);
    const deferred = await sensor.waitFor("upload-deferred");
    assert.equal(deferred[0]?.["failure"], "unavailable");
    assert.match(String(deferred[0]?.["msg"]), /inventories stay queued/);
    assert.ok((await queuedUploads(dataDir)).length >= 1, "the queue folder holds the inventories");

    restarted = await startBackend(work, {
      port,
      databaseFile: backend.databaseFile,
      tokens: { sensor: backend.sensorToken, user: backend.userToken },
    });
    await sensor.waitFor("uploaded", 2, 120_000);
    assert.deepEqual(await queuedUploads(dataDir), []);
    sensor.child.kill("SIGTERM");
    assert.equal(await sensor.exited, 0);
    assert.equal(events(sensor.lines, "stopped").length, 1);

    const stored = storedImages(backend.databaseFile);
    assert.equal(stored.length, 2);
    assert.deepEqual(
      stored.map((image) => image.revision),
      [1, 1],
      "each image was uploaded once",
    );
    assert.deepEqual(
      events(sensor.lines, "uploaded")
        .map((line) => line["id"])
        .sort(),
      stored.map((image) => image.id),
    );
    assert.ok(!sensor.stderr().includes(backend.sensorToken), "the token is never logged");

    // A later run finds nothing new and sends nothing again.
    const again = spawnSensor(sensorArgs(url, dataDir, ["--once"]), { STRATA_TOKEN: backend.sensorToken });
    assert.equal(await again.exited, 0, again.stderr());
    assert.equal(events(again.lines, "scanned").length, 0);
    assert.equal(events(again.lines, "uploaded").length, 0);
    assert.deepEqual(
      storedImages(backend.databaseFile).map((image) => image.revision),
      [1, 1],
    );
  } finally {
    sensor.child.kill("SIGKILL");
    await restarted?.server.close();
  }
});

test("a sensor killed with inventories queued: the next run delivers them without scanning again", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const { backend, port, url } = await backendThatIsDown("crash");
  const dataDir = join(work, "crash-data");
  const first = spawnSensor(sensorArgs(url, dataDir, ["--interval", "1h"]), { STRATA_TOKEN: backend.sensorToken });
  try {
    await first.waitFor("queued", 2, 120_000);
  } finally {
    first.child.kill("SIGKILL");
  }
  assert.equal(await first.exited, null);
  assert.equal((await queuedUploads(dataDir)).length, 2);

  const restarted = await startBackend(work, {
    port,
    databaseFile: backend.databaseFile,
    tokens: { sensor: backend.sensorToken, user: backend.userToken },
  });
  try {
    const second = spawnSensor(sensorArgs(url, dataDir, ["--once"]), { STRATA_TOKEN: backend.sensorToken });
    assert.equal(await second.exited, 0, second.stderr());
    assert.equal(events(second.lines, "scanned").length, 0, "the state survived the kill");
    assert.equal(events(second.lines, "uploaded").length, 2);
    assert.deepEqual(await queuedUploads(dataDir), []);
    const stored = storedImages(backend.databaseFile);
    assert.deepEqual(
      stored.map((image) => image.revision),
      [1, 1],
    );
  } finally {
    await restarted.server.close();
  }
});

test("--once with the backend down exits 5 and keeps the inventories queued", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const { backend, url } = await backendThatIsDown("once-down");
  const dataDir = join(work, "once-down-data");
  const sensor = spawnSensor(sensorArgs(url, dataDir, ["--once", "--flush-timeout", "2s"]), {
    STRATA_TOKEN: backend.sensorToken,
  });
  assert.equal(await sensor.exited, 5, sensor.stderr());
  assert.equal((await queuedUploads(dataDir)).length, 2);
  const [undelivered] = events(sensor.lines, "undelivered");
  assert.equal(undelivered?.["queued"], 2);
});
