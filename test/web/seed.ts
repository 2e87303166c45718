import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServerToken, type RunningServer, startServer } from "../../backend/main.ts";
import { openAdvisorySource } from "../../backend/posture/advisory-source.ts";
import { parseInventory } from "../../backend/inventory/inventory-schema.ts";
import { evaluateInventory } from "../../backend/posture/ingest.ts";
import type { Finding } from "../../src/model/finding.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { importAdvisories, testImage, writeAdvisorySubsets } from "../backend/fixtures.ts";
import { writeDockerArchive } from "../image-builder/index.ts";
import { buildUi } from "./build-ui.ts";

export interface Seeded {
  server: RunningServer;
  tokens: { user: string; sensor: string };
  inventory: Inventory;
  /** What the server's own matcher finds in the inventory, computed here from the same advisory database. */
  findings: Finding[];
}

/**
 * A real server on 127.0.0.1 serving a fresh build of the UI, with the backend tests' image (Debian, npm and
 * PyPI packages) scanned and uploaded by the real CLI (`strata scan --upload`) with a sensor token, and matched
 * by the server against Debian, npm and PyPI advisories.
 */
export async function seedServer(work: string): Promise<Seeded> {
  const uiDir = join(work, "ui");
  const advisoryDb = join(work, "advisories.db");
  const database = `sqlite:${join(work, "strata.db")}`;
  const image = join(work, "image.tar");
  await Promise.all([
    (async () => {
      await writeDockerArchive(await testImage(), image);
    })(),
    buildUi(uiDir),
    (async () => {
      const zips = await writeAdvisorySubsets(work);
      await importAdvisories(advisoryDb, [zips.debian, zips.npm, zips.pypi]);
    })(),
  ]);
  const server = await startServer({ port: 0, database, advisoryDb, uiDir });
  const tokens = {
    user: await createServerToken({ database, role: "user", name: "web ui test" }),
    sensor: await createServerToken({ database, role: "sensor", name: "web ui test sensor" }),
  };
  const report = join(work, "inventory.json");
  await scanAndUpload(image, report, server.url, tokens.sensor, work);
  const inventory = parseInventory(JSON.parse(await readFile(report, "utf8")));
  const advisories = openAdvisorySource(advisoryDb);
  try {
    return { server, tokens, inventory, findings: evaluateInventory(advisories.store(), inventory) };
  } finally {
    advisories.close();
  }
}

const cli = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** `strata scan IMAGE --upload URL`, the token in $STRATA_TOKEN; the inventory is also written to `report`. */
function scanAndUpload(image: string, report: string, url: string, token: string, work: string): Promise<void> {
  const args = ["--import", "tsx", cli, "scan", image, "--no-vulns", "--quiet", "--format", "json", "--output", report];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args, "--upload", url],
      { env: { ...process.env, STRATA_TOKEN: token, XDG_CACHE_HOME: join(work, "cache") }, timeout: 120_000 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`strata scan --upload failed: ${stderr}`, { cause: error }));
        else resolve();
      },
    );
  });
}
