/**
 * Keeping the posture current, run once per database: a real server over HTTP whose advisory database is
 * changed behind its back (by `strata db import` in another process, by the import code in this one, by a
 * plain delete), and a server that downloads its own advisory updates from a local mirror of osv.dev.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unzipSync, zipSync } from "fflate";
import { createServerToken, type RunningServer, type ServerOptions, startServer } from "../../backend/main.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { bumpDataVersion, readDataVersion } from "../../src/vulndb/data-version.ts";
import { openVulnDatabase } from "../../src/vulndb/database.ts";
import { type OsvTestServer, startOsvServer } from "../../src/vulndb/osv-test-server.ts";
import { importAdvisories, osvCorpus } from "./fixtures.ts";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface UpkeepInputs {
  work: string;
  inventory: Inventory;
  zips: { debian: string; npm: string; pypi: string };
}

/** Reads a property path from parsed JSON, failing the test when it is not there. */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    assert.ok(typeof current === "object" && current !== null, `no ${String(key)} in ${JSON.stringify(current)}`);
    const next: unknown = Reflect.get(current, key);
    current = next;
  }
  return current;
}

/** Polls `read` until `done` holds, for at most `timeoutMs`; returns the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    assert.ok(Date.now() < deadline, `still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** The same zip with one record withdrawn (and modified) a day after its last modification. */
async function withdrawn(zip: string, id: string, out: string): Promise<void> {
  const entries = unzipSync(await readFile(zip));
  const name = `${id}.json`;
  const bytes = entries[name];
  assert.ok(bytes, `${id} is not in ${zip}`);
  const record: unknown = JSON.parse(new TextDecoder().decode(bytes));
  assert.ok(typeof record === "object" && record !== null && "modified" in record);
  const later = new Date(Date.parse(String(record.modified)) + 86_400_000).toISOString();
  const changed = { ...record, modified: later, withdrawn: later };
  await writeFile(out, zipSync({ [name]: new TextEncoder().encode(JSON.stringify(changed)) }));
}

export function upkeepSuite(newDatabase: (name: string) => Promise<string>, inputs: () => Promise<UpkeepInputs>) {
  let given: UpkeepInputs;
  let database = "";
  let admin = "";
  let imageId = "";
  const servers: RunningServer[] = [];
  const mirrors: OsvTestServer[] = [];

  before(async () => {
    given = await inputs();
    database = await newDatabase(`upkeep_${Math.random().toString(36).slice(2, 8)}`);
    admin = await createServerToken({ database, role: "admin", name: "upkeep test" });
    imageId = given.inventory.image.configDigest ?? "";
  });

  after(async () => {
    for (const server of servers) await server.close();
    for (const mirror of mirrors) await mirror.close();
  });

  const start = async (options: Omit<ServerOptions, "port" | "database">): Promise<RunningServer> => {
    const server = await startServer({ port: 0, database, advisoryCheckIntervalMs: 100, ...options });
    servers.push(server);
    return server;
  };
  const stop = async (server: RunningServer): Promise<void> => {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  };
  const get = async (server: RunningServer, path: string): Promise<unknown> => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(response.status, 200, path);
    return response.json();
  };
  const details = (server: RunningServer) => get(server, `/api/v1/images/${imageId}`);
  const findingsOf = (server: RunningServer) => async () => Number(field(await details(server), "findings"));
  const privateAdvisoryDb = (name: string) => join(given.work, `${name}-${Math.random().toString(36).slice(2)}.db`);

  test("findings follow the advisory database without a new upload: imports, a withdrawal, a deletion", async () => {
    const advisoryDb = privateAdvisoryDb("follow");
    const logged: string[] = [];
    const server = await start({ advisoryDb, log: (line) => logged.push(line) });

    const upload = await fetch(`${server.url}/api/v1/inventories`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(given.inventory),
    });
    assert.equal(upload.status, 201);
    assert.equal(field(await upload.json(), "findings"), 0, "the advisory database is empty");
    const stored = await details(server);
    assert.equal(field(stored, "advisoryVersion"), 0);

    // Another process imports the Debian and npm advisories, as an operator's `strata db import` would.
    await run(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "db", "import", "--db", advisoryDb, given.zips.debian, given.zips.npm],
      { cwd: repo },
    );
    // A re-evaluation that starts between the two imports may already see the second one's records;
    // it is stamped with the older version, so the next check evaluates again and stamps version 2.
    const after = await eventually(
      () => details(server),
      (image) => Number(field(image, "findings")) === 17 && field(image, "advisoryVersion") === 2,
    );
    assert.equal(Number(field(after, "findings")), 17);
    assert.equal(field(after, "advisoryVersion"), 2, "one version per import that changed something");
    assert.ok(String(field(after, "evaluatedAt")) > String(field(stored, "evaluatedAt")));
    assert.equal(field(after, "lastSeen"), field(stored, "lastSeen"), "no upload happened");
    const list = await get(server, `/api/v1/images/${imageId}/vulnerabilities?limit=100`);
    assert.equal(field(list, "total"), 17);
    assert.ok(
      logged.some((line) => /advisories changed; advisory data version \d: re-evaluated 1 image in/.test(line)),
      logged.join("\n"),
    );
    assert.ok(logged.some((line) => line.includes(`(${imageId}): +`)));

    // The npm advisory behind lodash's CVE-2018-16487 is withdrawn upstream and imported here.
    const withdrawal = join(given.work, `withdrawn-${Math.random().toString(36).slice(2)}.zip`);
    await withdrawn(given.zips.npm, "NSWG-ECO-493", withdrawal);
    await importAdvisories(advisoryDb, [withdrawal]);
    assert.equal(await eventually(findingsOf(server), (n) => n === 16), 16);
    const lodash = await get(server, `/api/v1/images/${imageId}/vulnerabilities?q=CVE-2018-16487`);
    assert.equal(field(lodash, "total"), 0);
    assert.ok(
      logged.some((line) => /version 3: .*0 findings added, 1 removed, 16 in all/.test(line)),
      logged.join("\n"),
    );

    // Another writer deletes marked's NSWG-ECO-101 outright and moves the data version on.
    const writer = openVulnDatabase(advisoryDb);
    try {
      writer.prepare("DELETE FROM advisories WHERE id = ?").run("NSWG-ECO-101");
      bumpDataVersion(writer);
    } finally {
      writer.close();
    }
    assert.equal(await eventually(findingsOf(server), (n) => n === 15), 15);
    const marked = await get(server, `/api/v1/images/${imageId}/vulnerabilities?q=NSWG-ECO-101`);
    assert.equal(field(marked, "total"), 0);
    assert.equal(field(await details(server), "advisoryVersion"), 4);
    await stop(server);
  });

  test("an import while the server was down is caught up on at start; the admin call still re-evaluates all", async () => {
    const advisoryDb = privateAdvisoryDb("restart");
    await importAdvisories(advisoryDb, [given.zips.debian, given.zips.npm]);
    const logged: string[] = [];
    let server = await start({ advisoryDb, advisoryCheckIntervalMs: 60_000, log: (line) => logged.push(line) });
    // Evaluated against another database (the previous test's), so stale here: re-evaluated at start.
    assert.equal(await eventually(findingsOf(server), (n) => n === 17), 17);
    await stop(server);

    await importAdvisories(advisoryDb, [given.zips.pypi]);
    server = await start({ advisoryDb, advisoryCheckIntervalMs: 60_000, log: (line) => logged.push(line) });
    assert.equal(await eventually(findingsOf(server), (n) => n === 21), 21);
    assert.equal(field(await details(server), "advisoryVersion"), 3);

    // Nothing moved since: a check finds nothing to do; the admin call re-evaluates every image anyway.
    assert.equal(await server.checkAdvisories(), undefined);
    const response = await fetch(`${server.url}/api/v1/admin/reevaluate`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    const result = await response.json();
    assert.equal(field(result, "images"), 1);
    assert.equal(field(result, "findings"), 21);
    assert.equal(field(result, "added"), 0);
    assert.equal(field(result, "removed"), 0);
    assert.equal(field(result, "advisories", "dataVersion"), 3);
    await stop(server);
  });

  test("the server downloads the advisories its images need from the mirror, and only changed ones again", async () => {
    const mirror = await startOsvServer(osvCorpus);
    mirrors.push(mirror);
    const advisoryDb = privateAdvisoryDb("online");
    const logged: string[] = [];
    const server = await start({
      advisoryDb,
      advisoryUpdates: { baseUrl: mirror.url, intervalMs: 1500 },
      log: (line) => logged.push(line),
    });
    const imported = (): Promise<{ sources: string[]; version: number }> => {
      const db = openVulnDatabase(advisoryDb, { readonly: true });
      try {
        const sources = db.prepare<[], { name: string }>("SELECT name FROM sources ORDER BY name").all();
        return Promise.resolve({ sources: sources.map((row) => row.name), version: readDataVersion(db) });
      } finally {
        db.close();
      }
    };
    // An import's records are visible as its batches commit; its source row comes in its last transaction.
    const { sources, version } = await eventually(imported, (state) => state.sources.length === 3, 60_000);
    assert.deepEqual(sources, ["Debian", "PyPI", "npm"]);
    const fetched = mirror.requests.filter((request) => request.status === 200).map((request) => request.path);
    assert.deepEqual(fetched.sort(), ["/Debian/all.zip", "/PyPI/all.zip", "/npm/all.zip"]);
    // The image was stored with findings from another database: only the version tells this evaluation apart.
    const evaluated = await eventually(
      () => details(server),
      (image) => field(image, "advisoryVersion") === version,
    );
    assert.equal(Number(field(evaluated, "findings")), 21);
    assert.ok(
      logged.some((line) => line.includes("updating advisories for Debian, PyPI, npm")),
      logged.join("\n"),
    );

    // Once the interval has passed, each zip is asked for again with its ETag, and the mirror says 304.
    await eventually(
      () => Promise.resolve(mirror.requests.filter((request) => request.status === 304).length),
      (n) => n >= 3,
    );
    const reevaluations = logged.filter((line) => line.includes("re-evaluated")).length;
    await server.checkAdvisories();
    assert.equal(logged.filter((line) => line.includes("re-evaluated")).length, reevaluations);
    assert.equal(field(await details(server), "advisoryVersion"), version, "a 304 changes nothing");
    await stop(server);
  });

  test("a failed update is a warning with the age of the advisories, and the server carries on", async () => {
    const advisoryDb = privateAdvisoryDb("offline-mirror");
    await importAdvisories(advisoryDb, [given.zips.debian]);
    // Named like the real source, so that the warning can say how old it is.
    const db = openVulnDatabase(advisoryDb);
    try {
      db.prepare("UPDATE sources SET name = 'Debian', imported_at = ?").run(
        new Date(Date.now() - 3 * 86_400_000).toISOString(),
      );
    } finally {
      db.close();
    }
    const empty = await mkdtemp(join(given.work, "empty-mirror-"));
    const mirror = await startOsvServer(empty);
    mirrors.push(mirror);
    const logged: string[] = [];
    const server = await start({
      advisoryDb,
      advisoryUpdates: { baseUrl: mirror.url, intervalMs: 86_400_000 },
      log: (line) => logged.push(line),
    });
    const summary = await eventually(
      () => Promise.resolve(logged.filter((line) => line.includes("warning"))),
      (lines) => lines.length >= 3,
    );
    assert.ok(
      summary.some((line) =>
        /warning: could not download .*\/Debian\/all\.zip: HTTP 404; Debian advisories are 3 days old/.test(line),
      ),
      summary.join("\n"),
    );
    assert.ok(summary.some((line) => /there are no npm advisories yet, so npm packages are not checked/.test(line)));
    // The server still answers, with the findings the advisories it has give.
    const health = await fetch(`${server.url}/api/v1/health`);
    assert.equal(health.status, 200);
    assert.equal(await eventually(findingsOf(server), (n) => n === 14), 14);
    // A failed ecosystem is not tried again before the retry delay.
    const asked = mirror.requests.length;
    assert.equal(await server.updateAdvisories(), undefined);
    assert.equal(mirror.requests.length, asked);
    await stop(server);
  });
}
