/**
 * General mode against a live Docker Engine (a private dockerd, started as test/runtime does): the sensor
 * lists the engine's images, scans them, and they appear in a real backend; a second pass scans nothing.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { z } from "zod";
import { writeDockerArchive } from "../image-builder/index.ts";
import { cannotRun, type Daemon, runTool, startDockerd } from "../runtime/daemons.ts";
import {
  assertNothingNew,
  type Backend,
  events,
  spawnSensor,
  startBackend,
  storedImages,
  twoTestImages,
} from "./helpers.ts";

let work = "";
let skip: string | undefined;
let daemon: Daemon | undefined;
let dockerHost = "";
let backend: Backend | undefined;
const imageIds: string[] = [];

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-sensor-docker-"));
    skip = await cannotRun([
      { binary: "dockerd", debianPackage: "docker.io" },
      { binary: "docker", debianPackage: "docker.io" },
    ]);
    if (skip) return;
    try {
      const started = await startDockerd(join(work, "docker"));
      daemon = started.daemon;
      dockerHost = `unix://${started.socket}`;
      for (const [index, image] of (await twoTestImages()).entries()) {
        const archive = join(work, `image-${index}.tar`);
        await writeDockerArchive(image, archive);
        await runTool("docker", ["-H", dockerHost, "load", "-i", archive]);
        const [name] = image.repoTags ?? [];
        imageIds.push(
          (await runTool("docker", ["-H", dockerHost, "image", "inspect", "-f", "{{.Id}}", name ?? ""])).trim(),
        );
      }
    } catch (error) {
      skip = `dockerd could not be started here: ${String(error)}`;
      return;
    }
    backend = await startBackend(work);
  },
  { timeout: 120_000 },
);

after(async () => {
  await backend?.server.close();
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

const imageList = z.object({
  total: z.number(),
  items: z.array(z.object({ id: z.string(), tags: z.array(z.string()), packages: z.number() })),
});

/** One pass of the general-mode sensor over the test dockerd, with this file's data and cache folders. */
function sensorArgs(backend: Backend): string[] {
  return [
    "--mode",
    "general",
    "--once",
    "--runtime",
    "docker",
    "--docker-host",
    dockerHost,
    "--url",
    backend.server.url,
    "--data-dir",
    join(work, "sensor"),
    "--cache-dir",
    join(work, "layer-cache"),
  ];
}

test("the engine's images are scanned and appear in the backend; the next pass scans nothing", async (t) => {
  if (skip || !backend) {
    t.skip(skip ?? "no backend");
    return;
  }
  const args = sensorArgs(backend);
  const sensor = spawnSensor(args, { STRATA_TOKEN: backend.sensorToken });
  assert.equal(await sensor.exited, 0, sensor.stderr());
  assert.deepEqual(
    events(sensor.lines, "scanned")
      .map((line) => line["id"])
      .sort(),
    [...imageIds].sort(),
  );
  assert.equal(events(sensor.lines, "queued").length, 2);
  assert.equal(events(sensor.lines, "uploaded").length, 2);
  assert.ok(!sensor.stderr().includes(backend.sensorToken), "the token is never logged");

  const response = await fetch(`${backend.server.url}/api/v1/images?sort=reference`, {
    headers: { authorization: `Bearer ${backend.userToken}` },
  });
  assert.equal(response.status, 200);
  const listed = imageList.parse(await response.json());
  assert.deepEqual(listed.items.map((item) => item.id).sort(), [...imageIds].sort());
  assert.deepEqual(listed.items.map((item) => [item.tags, item.packages]).sort(), [
    [["localhost/strata-sensor/app:full"], 11],
    [["localhost/strata-sensor/app:small"], 6],
  ]);

  await assertNothingNew(args, backend, 2);
});

test("a new image loaded between passes is the only one scanned", async (t) => {
  if (skip || !backend) {
    t.skip(skip ?? "no backend");
    return;
  }
  const [full] = await twoTestImages();
  const third = { ...full, repoTags: ["localhost/strata-sensor/app:three"], layers: full.layers.slice(0, 3) };
  const archive = join(work, "image-3.tar");
  await writeDockerArchive(third, archive);
  await runTool("docker", ["-H", dockerHost, "load", "-i", archive]);
  const sensor = spawnSensor(sensorArgs(backend), { STRATA_TOKEN: backend.sensorToken });
  assert.equal(await sensor.exited, 0, sensor.stderr());
  assert.deepEqual(
    events(sensor.lines, "scanned").map((line) => line["reference"]),
    ["docker:localhost/strata-sensor/app:three"],
  );
  assert.equal(storedImages(backend.databaseFile).length, 3);
});
