/**
 * Registry mode against Debian's docker-registry: two repositories (one with two tags) pushed with skopeo are
 * crawled, scanned and uploaded; a second pass scans nothing new; a newly pushed tag is the only thing scanned.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeOciArchive } from "../image-builder/index.ts";
import { pushArchive, type RunningRegistry, registrySkipReason, startRegistry } from "../registry/docker-registry.ts";
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
let registry: RunningRegistry | undefined;
let backend: Backend | undefined;
const archives: string[] = [];

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-sensor-registry-"));
    skip = await registrySkipReason();
    if (skip) return;
    for (const [index, image] of (await twoTestImages()).entries()) {
      const archive = join(work, `image-${index}.tar`);
      await writeOciArchive(image, archive);
      archives.push(archive);
    }
    registry = await startRegistry();
    const [full, small] = archives;
    await pushArchive(full ?? "", `${registry.host}/team/app:1.0`);
    await pushArchive(full ?? "", `${registry.host}/team/app:latest`);
    await pushArchive(small ?? "", `${registry.host}/base:bookworm`);
    backend = await startBackend(work);
  },
  { timeout: 120_000 },
);

after(async () => {
  await backend?.server.close();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

function args(extra: string[] = []): string[] {
  return [
    "--mode",
    "registry",
    "--registry",
    registry?.host ?? "",
    "--once",
    "--url",
    backend?.server.url ?? "",
    "--data-dir",
    join(work, "sensor"),
    "--cache-dir",
    join(work, "layer-cache"),
    ...extra,
  ];
}

test("every repository and tag is crawled, each digest scanned once and uploaded; a second pass scans nothing", async (t) => {
  if (skip || !registry || !backend) {
    t.skip(skip ?? "no registry");
    return;
  }
  const sensor = spawnSensor(args(), { STRATA_TOKEN: backend.sensorToken });
  assert.equal(await sensor.exited, 0, sensor.stderr());
  const scanned = events(sensor.lines, "scanned");
  assert.deepEqual(scanned.map((line) => line["repository"]).sort(), ["base", "team/app"]);
  assert.equal(events(sensor.lines, "uploaded").length, 2);
  assert.ok(!sensor.stderr().includes(backend.sensorToken));

  const stored = storedImages(backend.databaseFile);
  assert.equal(stored.length, 2);
  const host = registry.host;
  assert.deepEqual(stored.map((image) => image.tags.filter((tag) => tag.startsWith(host)).sort()).sort(), [
    [`${host}/base:bookworm`],
    [`${host}/team/app:1.0`, `${host}/team/app:latest`],
  ]);

  await assertNothingNew(args(), backend, 2);
});

test("a new tag of a new image is the only thing the next pass scans", async (t) => {
  if (skip || !registry || !backend) {
    t.skip(skip ?? "no registry");
    return;
  }
  const [full] = await twoTestImages();
  const third = join(work, "image-3.tar");
  await writeOciArchive({ ...full, layers: full.layers.slice(0, 3) }, third);
  await pushArchive(third, `${registry.host}/team/app:2.0`);
  const sensor = spawnSensor(args(), { STRATA_TOKEN: backend.sensorToken });
  assert.equal(await sensor.exited, 0, sensor.stderr());
  assert.deepEqual(
    events(sensor.lines, "scanned").map((line) => [line["repository"], line["tag"]]),
    [["team/app", "2.0"]],
  );
  assert.equal(storedImages(backend.databaseFile).length, 3);
});
