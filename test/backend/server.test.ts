import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import { createServerToken, reevaluateStored, type RunningServer, startServer } from "../../backend/main.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { importAdvisories, scannedInventory, writeAdvisorySubsets } from "./fixtures.ts";

let work = "";
let database = "";
let advisoryDb = "";
let inventory: Inventory;
let server: RunningServer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-server-"));
  database = `sqlite:${join(work, "strata.db")}`;
  advisoryDb = join(work, "advisories.db");
  inventory = await scannedInventory(work);
  server = await startServer({ port: 0, database, advisoryDb, limits: { maxBodyBytes: 128 * 1024 } });
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function fetchJson(path: string, init: RequestInit = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}${path}`, init);
  const json: unknown = await response.json();
  return { status: response.status, json };
}

function numberAt(value: unknown, key: string): number {
  assert.ok(typeof value === "object" && value !== null && key in value, `no ${key} in ${JSON.stringify(value)}`);
  const found: unknown = Reflect.get(value, key);
  assert.equal(typeof found, "number");
  return Number(found);
}

test("the server listens on 127.0.0.1, answers health, and needs a token for everything else", async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await fetchJson("/api/v1/health"), { status: 200, json: { status: "ok" } });
  assert.equal((await fetchJson("/api/v1/images")).status, 401);
});

test("tokens made for the CLI work at once; uploads over real HTTP, gzip'd, are matched", async () => {
  const sensor = await createServerToken({ database, role: "sensor", name: "ci sensor" });
  const user = await createServerToken({ database, role: "user", name: "alice" });
  assert.match(sensor, /^strata_[A-Za-z0-9_-]{43}$/);
  const uploaded = await fetchJson("/api/v1/inventories", {
    method: "POST",
    headers: { authorization: `Bearer ${sensor}`, "content-type": "application/json", "content-encoding": "gzip" },
    body: gzipSync(JSON.stringify(inventory)),
  });
  assert.equal(uploaded.status, 201);
  // The advisory database was created empty: nothing to match yet.
  assert.equal(numberAt(uploaded.json, "findings"), 0);

  const zips = await writeAdvisorySubsets(work);
  await importAdvisories(advisoryDb, [zips.debian, zips.npm]);
  const result = await reevaluateStored({ database, advisoryDb });
  assert.equal(result.images, 1);
  assert.equal(result.findings, 17);
  assert.deepEqual(result.advisories.sources.length, 2);

  const id = inventory.image.configDigest ?? "";
  const details = await fetchJson(`/api/v1/images/${id}`, { headers: { authorization: `Bearer ${user}` } });
  assert.equal(details.status, 200);
  assert.equal(numberAt(details.json, "findings"), 17);

  await importAdvisories(advisoryDb, [zips.pypi]);
  const again = await server.reevaluate();
  assert.equal(again.findings, 21);
});

test("a body over the cap is refused from its Content-Length", async () => {
  const sensor = await createServerToken({ database, role: "sensor", name: "big" });
  const response = await fetchJson("/api/v1/inventories", {
    method: "POST",
    headers: { authorization: `Bearer ${sensor}`, "content-type": "application/json" },
    body: JSON.stringify({ ...inventory, padding: "x".repeat(200 * 1024) }),
  });
  assert.equal(response.status, 413);
});

test("a port in use and an unknown database are clear errors", async () => {
  await assert.rejects(
    startServer({ port: server.port, database, advisoryDb }),
    (error: unknown) => error instanceof Error && /EADDRINUSE/.test(String(Reflect.get(error, "code"))),
  );
  await assert.rejects(startServer({ port: 0, database: "mysql://x", advisoryDb }), /unknown database "mysql:\/\/x"/);
  await assert.rejects(
    createServerToken({ database: "postgres://me:secret@127.0.0.1:1/none", role: "user", name: "x" }),
    (error: unknown) => error instanceof Error && !error.message.includes("secret"),
  );
});
