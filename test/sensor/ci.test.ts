/**
 * CI mode: one image, judged locally by --fail-on with the advisory database (as `strata scan` does), its
 * inventory uploaded through the queue. Settings come from a YAML file, the environment and options at once.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeDockerArchive } from "../image-builder/index.ts";
import { importAdvisories, testImage, writeAdvisorySubsets } from "../backend/fixtures.ts";
import { type Backend, events, spawnSensor, startBackend, storedImages } from "./helpers.ts";

let work = "";
let backend: Backend;
let image = "";
let config = "";

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-sensor-ci-"));
    const zips = await writeAdvisorySubsets(work);
    // The same advisories for the sensor's local verdict and for the backend.
    await importAdvisories(join(work, "advisories.db"), [zips.debian, zips.npm, zips.pypi]);
    image = join(work, "image.tar");
    await writeDockerArchive(await testImage(), image);
    backend = await startBackend(work);
    config = join(work, "sensor.yaml");
    await writeFile(
      config,
      [
        "mode: ci",
        `url: ${backend.server.url}`,
        "dataDir: ci-data # relative to this file",
        "db: advisories.db",
        "offline: true",
        "flushTimeout: 20s",
        "logLevel: debug",
        "",
      ].join("\n"),
    );
  },
  { timeout: 60_000 },
);

after(async () => {
  await backend.server.close();
  await rm(work, { recursive: true, force: true });
});

test("findings at or above --fail-on: exit 4, each one logged, and the inventory is uploaded all the same", async () => {
  // The option wins over the environment, which says "high" (no finding is that severe).
  const sensor = spawnSensor(["--config", config, "--image", `docker-archive:${image}`, "--fail-on", "medium"], {
    STRATA_TOKEN: backend.sensorToken,
    STRATA_SENSOR_FAIL_ON: "high",
  });
  assert.equal(await sensor.exited, 4, sensor.stderr());
  const [policy] = events(sensor.lines, "policy");
  assert.equal(policy?.["failOn"], "medium");
  assert.equal(policy?.["passed"], false);
  assert.equal(policy?.["failing"], 2);
  assert.deepEqual(
    events(sensor.lines, "finding")
      .map((line) => line["severity"])
      .sort(),
    ["medium", "medium"],
  );
  const [uploaded] = events(sensor.lines, "uploaded");
  assert.equal(uploaded?.["packages"], 11);
  assert.equal(storedImages(backend.databaseFile).length, 1);
  assert.deepEqual(await readdir(join(work, "ci-data", "queue")), ["rejected"], "the data folder is beside the file");
  assert.ok(!sensor.stderr().includes(backend.sensorToken));
});

test("no finding at or above the threshold: exit 0 (from the environment's --fail-on)", async () => {
  const sensor = spawnSensor(["--config", config, "--image", `docker-archive:${image}`], {
    STRATA_TOKEN: backend.sensorToken,
    STRATA_SENSOR_FAIL_ON: "high",
  });
  assert.equal(await sensor.exited, 0, sensor.stderr());
  assert.equal(events(sensor.lines, "policy")[0]?.["passed"], true);
  assert.equal(events(sensor.lines, "uploaded")[0]?.["created"], false, "the image was replaced, not added again");
});

test("a backend that cannot be reached within --flush-timeout: exit 5, the inventory stays queued", async () => {
  const sensor = spawnSensor(
    [
      "--config",
      config,
      "--image",
      `docker-archive:${image}`,
      "--url",
      "http://127.0.0.1:9",
      "--flush-timeout",
      "1s",
      "--data-dir",
      join(work, "unreachable"),
    ],
    { STRATA_TOKEN: backend.sensorToken },
  );
  assert.equal(await sensor.exited, 5, sensor.stderr());
  assert.equal(events(sensor.lines, "undelivered").length, 1);
  assert.equal(
    (await readdir(join(work, "unreachable", "queue"))).filter((name) => name.endsWith(".json.gz")).length,
    1,
  );
});

test("a user token is refused: exit 5 and a clear error", async () => {
  const sensor = spawnSensor(
    ["--config", config, "--image", `docker-archive:${image}`, "--data-dir", join(work, "refused")],
    { STRATA_TOKEN: backend.userToken, STRATA_SENSOR_FLUSH_TIMEOUT: "3s" },
  );
  assert.equal(await sensor.exited, 5, sensor.stderr());
  const [deferred] = events(sensor.lines, "upload-deferred");
  assert.equal(deferred?.["failure"], "unauthorized");
  assert.match(String(deferred?.["error"]), /403 Forbidden/);
});

test("a bad setting is a plain error on stderr that names it, and exit 2 (config.test.ts covers the rest)", async () => {
  const sensor = spawnSensor(["--config", config, "--image", "x"], {
    STRATA_TOKEN: backend.sensorToken,
    STRATA_SENSOR_INTERVAL: "soon",
  });
  assert.equal(await sensor.exited, 2);
  assert.match(sensor.stderr(), /^strata: bad sensor setting STRATA_SENSOR_INTERVAL: expected a duration/m);
});
