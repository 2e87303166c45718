import assert from "node:assert/strict";
import { join } from "node:path";
import { createServerToken, type RunningServer, startServer } from "../../backend/main.ts";
import { openAdvisorySource } from "../../backend/posture/advisory-source.ts";
import { evaluateInventory } from "../../backend/posture/ingest.ts";
import type { Finding } from "../../src/model/finding.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { importAdvisories, scannedInventory, writeAdvisorySubsets } from "../backend/fixtures.ts";
import { buildUi } from "./build-ui.ts";

export interface Seeded {
  server: RunningServer;
  tokens: { user: string; sensor: string };
  inventory: Inventory;
  /** What the server's own matcher finds in the inventory, computed here from the same advisory database. */
  findings: Finding[];
}

/**
 * A real server on 127.0.0.1 serving a fresh build of the UI, with the backend tests' scanned image
 * (Debian, npm and PyPI packages) uploaded by a sensor and matched against Debian, npm and PyPI advisories.
 */
export async function seedServer(work: string): Promise<Seeded> {
  const uiDir = join(work, "ui");
  const advisoryDb = join(work, "advisories.db");
  const database = `sqlite:${join(work, "strata.db")}`;
  const [inventory] = await Promise.all([
    scannedInventory(work),
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
  const uploaded = await fetch(`${server.url}/api/v1/inventories`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens.sensor}`, "content-type": "application/json" },
    body: JSON.stringify(inventory),
  });
  assert.equal(uploaded.status, 201, await uploaded.text());
  const advisories = openAdvisorySource(advisoryDb);
  try {
    return { server, tokens, inventory, findings: evaluateInventory(advisories.store(), inventory) };
  } finally {
    advisories.close();
  }
}
