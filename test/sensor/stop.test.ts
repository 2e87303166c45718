/**
 * A stop in the middle of a long scan, with the real sensor command and images in a containers-storage root
 * (put there by skopeo; read as CRI-O's). The long image has layers of this machine's dpkg status copied many
 * times over; a containers-storage source cannot cut its reads short, so only ending the scan's worker stops
 * it. SIGTERM ends the sensor within about a second, the queue keeps what it held, the image is not recorded
 * as scanned, and the next run scans it.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type TestImage, writeOciArchive } from "../image-builder/index.ts";
import { cannotRun, runTool } from "../runtime/daemons.ts";
import { ScanState } from "../../src/sensor/state.ts";
import {
  crioSensorArgs,
  events,
  queuedUploads,
  spawnSensor,
  startBackend,
  storedImages,
  twoTestImages,
} from "./helpers.ts";

const dpkgStatus = "/var/lib/dpkg/status";
/** Each long layer holds its dpkg status this many times over (tens of MB); the scan takes seconds. */
const copies = 40;
const longLayers = 3;
const longName = "localhost/strata-sensor/long:1";

let work = "";
let skip: string | undefined;
let storageRoot = "";
let runRoot = "";

async function copyToStorage(image: TestImage, name: string): Promise<void> {
  const archive = join(work, `${name.replace(/[/:]/g, "-")}.tar`);
  await writeOciArchive(image, archive);
  await runTool(
    "skopeo",
    ["copy", "--quiet", `oci-archive:${archive}`, `containers-storage:[vfs@${storageRoot}+${runRoot}]${name}`],
    120_000,
  );
  await rm(archive);
}

async function longImage(): Promise<TestImage> {
  const status = await readFile(dpkgStatus, "utf8");
  const layers = Array.from({ length: longLayers }, (_, index) => ({
    // A package of its own in each layer keeps the layers (and their cache entries) apart.
    files: {
      "var/lib/dpkg/status": `${status.repeat(copies)}\nPackage: strata-stop-test-${index}\nStatus: install ok installed\nVersion: 1.${index}\nArchitecture: all\n`,
    },
    compression: "none" as const,
  }));
  return {
    architecture: "amd64",
    layers: [{ files: { "etc/os-release": 'ID=debian\nVERSION_ID="12"\n' } }, ...layers],
  };
}

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-sensor-stop-"));
    skip = await cannotRun([{ binary: "skopeo", debianPackage: "skopeo" }]);
    if (skip) return;
    try {
      await readFile(dpkgStatus);
    } catch {
      skip = `no ${dpkgStatus} on this machine to build a long image from`;
      return;
    }
    storageRoot = join(work, "storage", "root");
    runRoot = join(work, "storage", "run");
    try {
      const [, small] = await twoTestImages();
      await copyToStorage(small, small.repoTags?.[0] ?? "localhost/strata-sensor/app:small");
    } catch (error) {
      skip = `skopeo could not fill a containers-storage root here: ${String(error)}`;
    }
  },
  { timeout: 120_000 },
);

after(async () => {
  await rm(work, { recursive: true, force: true });
});

function sensorArgs(url: string, dataDir: string, extra: string[] = []): string[] {
  return crioSensorArgs({ storageRoot, cacheDir: join(work, "layer-cache"), url, dataDir }, extra);
}

async function scanState(dataDir: string): Promise<ScanState> {
  return (await ScanState.load(join(dataDir, "scanned-general.json"))).state;
}

test("SIGTERM in the middle of a long scan: out within a second, queue and state kept, scanned next time", async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  // The backend is down for the first two runs: what they queue stays queued.
  const down = await startBackend(work, { databaseFile: join(work, "stop.db") });
  const { port, url } = down.server;
  await down.server.close();
  const token = { STRATA_TOKEN: down.sensorToken };
  const dataDir = join(work, "data");

  const first = spawnSensor(sensorArgs(url, dataDir, ["--once", "--flush-timeout", "1s"]), token);
  assert.equal(await first.exited, 5, first.stderr());
  const held = await queuedUploads(dataDir);
  assert.equal(held.length, 1);
  const [small] = events(first.lines, "scanned");
  assert.ok((await scanState(dataDir)).isSettled(String(small?.["id"])));

  await copyToStorage(await longImage(), longName);
  const second = spawnSensor(sensorArgs(url, dataDir, ["--interval", "1h"]), token);
  const [scanning] = await second.waitFor("scanning", 1, 60_000);
  const longId = String(scanning?.["id"]);
  await sleep(500);
  const signalled = Date.now();
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0, second.stderr());
  const tookMs = Date.now() - signalled;
  assert.deepEqual(events(second.lines, "scanned"), [], "the scan was still running when the signal came");
  assert.equal(events(second.lines, "scan-abandoned").length, 1);
  t.diagnostic(`stopped ${tookMs} ms after SIGTERM`);
  assert.ok(tookMs < 1500, `the sensor took ${tookMs} ms to stop`);
  assert.deepEqual(await queuedUploads(dataDir), held, "the queue is as it was");
  const state = await scanState(dataDir);
  assert.ok(state.isSettled(String(small?.["id"])));
  assert.ok(!state.isSettled(longId), "the long image is not recorded as scanned");
  assert.equal(state.size, 1, "nor as failed");

  const up = await startBackend(work, {
    port,
    databaseFile: down.databaseFile,
    tokens: { sensor: down.sensorToken, user: down.userToken },
  });
  try {
    const third = spawnSensor(sensorArgs(url, dataDir, ["--once"]), token);
    assert.equal(await third.exited, 0, third.stderr());
    const scanned = events(third.lines, "scanned");
    assert.equal(scanned.length, 1);
    assert.equal(scanned[0]?.["id"], longId);
    t.diagnostic(`the whole scan of the long image took ${String(scanned[0]?.["ms"])} ms`);
    assert.ok(Number(scanned[0]?.["packages"]) > copies, "the whole long image was scanned");
    assert.equal(events(third.lines, "uploaded").length, 2);
    assert.deepEqual(await queuedUploads(dataDir), []);
    assert.equal(storedImages(down.databaseFile).length, 2);
  } finally {
    await up.server.close();
  }
});
