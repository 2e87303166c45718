import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { matchInventory } from "../match/match-inventory.ts";
import type { Distro } from "../model/distro.ts";
import type { Inventory } from "../model/inventory.ts";
import type { Package, PackageMetadata } from "../model/package.ts";
import type { RetryPolicy } from "./download.ts";
import { ecosystemsFor } from "./ecosystems-for.ts";
import { type PrepareOptions, databaseAge, formatAge, prepareDatabase } from "./freshness.ts";
import { type OsvTestServer, startOsvServer } from "./osv-test-server.ts";

const corpus = fileURLToPath(new URL("../../../shared/osv/", import.meta.url));
const quickRetry: RetryPolicy = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, deadlineMs: 2000 };
const start = new Date("2026-03-01T12:00:00Z");
const hours = (n: number) => new Date(start.getTime() + n * 3_600_000);
const layer = { index: 0, digest: "sha256:0", diffId: "sha256:0" };

function pkg(name: string, version: string, ecosystem: Package["ecosystem"], metadata: PackageMetadata): Package {
  return {
    id: `${ecosystem}:${name}`,
    name,
    version,
    ecosystem,
    purl: `pkg:${ecosystem}/${name}@${version}`,
    licenses: [],
    foundBy: "test",
    layer,
    locations: [],
    metadata,
  };
}

const npm = (name: string, version: string) => pkg(name, version, "npm", { kind: "npm", private: false });
const deb = (name: string, version: string) =>
  pkg(name, version, "deb", { kind: "dpkg", provides: [], depends: [], preDepends: [], database: "dpkg" });
const apk = (name: string, version: string) =>
  pkg(name, version, "apk", { kind: "apk", dependencies: [], provides: [] });
const debian12: Distro = { id: "debian", versionId: "12", idLike: [] };

const smallvec = pkg("smallvec", "0.6.5", "cargo", { kind: "cargo", dependencies: [] });
/** The two smallest zips of the corpus; smallvec 0.6.5 has RUSTSEC advisories. */
const inventory: Pick<Inventory, "packages" | "distro"> = { packages: [npm("lodash", "4.17.4"), smallvec] };

let server: OsvTestServer;
let work = "";
let agent: Agent;
let logged: string[] = [];
/** A database prepared for `inventory` at `start`, built once and copied by the tests that need it. */
let seed = "";

before(async () => {
  agent = new Agent();
  const seedServer = await startOsvServer(corpus);
  seed = await mkdtemp(join(tmpdir(), "strata-seed-"));
  const prepared = await prepareDatabase({
    dbPath: join(seed, "osv.sqlite"),
    inventory,
    offline: false,
    now: start,
    baseUrl: seedServer.url,
    log: () => undefined,
    fetchAgent: agent,
  });
  await seedServer.close();
  assert.deepEqual(prepared, { usable: true, warnings: [] });
});
after(async () => {
  await agent.close();
  await rm(seed, { recursive: true, force: true });
});

async function seeded(): Promise<void> {
  await copyFile(join(seed, "osv.sqlite"), dbPath());
}
beforeEach(async () => {
  server = await startOsvServer(corpus);
  work = await mkdtemp(join(tmpdir(), "strata-fresh-"));
  logged = [];
});
afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const dbPath = () => join(work, "osv.sqlite");

function prepare(overrides: Partial<PrepareOptions> = {}): ReturnType<typeof prepareDatabase> {
  return prepareDatabase({
    dbPath: dbPath(),
    inventory,
    offline: false,
    now: start,
    baseUrl: server.url,
    log: (line) => logged.push(line),
    fetchAgent: agent,
    retry: quickRetry,
    ...overrides,
  });
}

test("ecosystemsFor names the OSV ecosystems the matcher would query", () => {
  assert.deepEqual(ecosystemsFor(inventory), ["crates.io", "npm"]);
  assert.deepEqual(ecosystemsFor({ distro: debian12, packages: [deb("openssl", "3.0.0-1"), npm("a", "1")] }), [
    "Debian",
    "npm",
  ]);
  assert.deepEqual(
    ecosystemsFor({ distro: { id: "ubuntu", versionId: "22.04", idLike: ["debian"] }, packages: [deb("bash", "5")] }),
    ["Ubuntu"],
  );
  assert.deepEqual(
    ecosystemsFor({ distro: { id: "alpine", versionId: "3.11.6", idLike: [] }, packages: [apk("musl", "1.1.24-r2")] }),
    ["Alpine"],
  );
  assert.deepEqual(ecosystemsFor({ packages: [deb("bash", "5")] }), [], "dpkg without a known release: nothing");
  const rpm = pkg("bash", "5", "rpm", {
    kind: "rpm",
    version: "5",
    release: "1",
    provides: [],
    requires: [],
    database: "sqlite",
  });
  assert.deepEqual(ecosystemsFor({ packages: [rpm] }), [], "rpm without a known distro: nothing");
  assert.deepEqual(ecosystemsFor({ distro: { id: "rocky", versionId: "9.3", idLike: [] }, packages: [rpm] }), [
    "Rocky Linux",
  ]);
});

test("a missing database is downloaded first: only the ecosystems the image needs", async () => {
  const prepared = await prepare();
  assert.deepEqual(prepared, { usable: true, warnings: [] });
  assert.deepEqual(server.requests.map((request) => request.path).sort(), ["/crates.io/all.zip", "/npm/all.zip"]);
  assert.ok(logged.some((line) => line.includes("crates.io, npm")));
  const age = databaseAge(dbPath(), hours(2));
  assert.deepEqual(
    age?.sources.map((source) => [source.name, source.ageMs]),
    [
      ["crates.io", 7_200_000],
      ["npm", 7_200_000],
    ],
  );
  const report = matchInventory({ ...emptyInventory(), ...inventory }, dbPath());
  const affected = new Set(report?.vulnerabilities?.findings.map((finding) => finding.packageName));
  assert.deepEqual([...affected].sort(), ["lodash", "smallvec"]);
});

test("a database younger than a day is used without asking the server", async () => {
  await seeded();
  assert.deepEqual(await prepare({ now: hours(23) }), { usable: true, warnings: [] });
  assert.equal(server.requests.length, 0);
});

test("an ecosystem the database lacks is fetched even when the rest is fresh", async () => {
  await seeded();
  const withGem = { packages: [...inventory.packages, pkg("rack", "1.0.0", "gem", { kind: "gem" })] };
  await prepare({ inventory: withGem, now: hours(1) });
  assert.deepEqual(
    server.requests.map((request) => request.path),
    ["/RubyGems/all.zip"],
  );
});

test("after a day the needed ecosystems are checked again with conditional requests", async () => {
  await seeded();
  const prepared = await prepare({ now: hours(25) });
  assert.deepEqual(prepared, { usable: true, warnings: [] });
  const again = server.requests;
  assert.deepEqual(
    again.map((request) => [request.path, request.status]),
    [
      ["/crates.io/all.zip", 304],
      ["/npm/all.zip", 304],
    ],
  );
  assert.equal(databaseAge(dbPath(), hours(25))?.ageMs, 0);
});

test("a failed update keeps a usable database and says how old it is", async () => {
  await seeded();
  await server.close();
  const prepared = await prepare({ now: hours(30) });
  assert.equal(prepared.usable, true);
  assert.ok(
    prepared.warnings.some((warning) => warning.includes(`${server.url}/npm/all.zip`)),
    prepared.warnings.join("\n"),
  );
  assert.ok(prepared.warnings.includes(`npm advisories are 30 h old, from ${start.toISOString()} (update failed)`));
  assert.ok(matchInventory({ ...emptyInventory(), ...inventory }, dbPath())?.vulnerabilities);
});

test("a failed first download leaves no usable database and names what was not checked", async () => {
  server.faults.push(500, 500, 500, 500);
  const prepared = await prepare({ inventory: { packages: [npm("lodash", "4.17.4")] } });
  assert.equal(prepared.usable, false);
  assert.match(prepared.warnings[0] ?? "", /npm\/all\.zip: HTTP 500 \(gave up after 2 attempts\)/);
  assert.equal(
    prepared.warnings[1],
    "no npm advisories in the database (update failed); npm packages were not checked",
  );
});

test("offline never makes a request", async () => {
  assert.deepEqual(await prepare({ offline: true }), { usable: false, warnings: [] });
  assert.equal(existsSync(dbPath()), false);
  assert.equal(server.requests.length, 0);
  await seeded();
  const prepared = await prepare({ offline: true, now: hours(72) });
  assert.equal(prepared.usable, true);
  assert.deepEqual(prepared.warnings, [
    `crates.io advisories are 3 days old, from ${start.toISOString()} (offline: not updated)`,
    `npm advisories are 3 days old, from ${start.toISOString()} (offline: not updated)`,
  ]);
  assert.equal(server.requests.length, 0);
});

test("a database that cannot be written does not stop a scan that can still match", async () => {
  await seeded();
  const prepared = await prepare({ now: hours(25), cacheDir: join(work, "osv.sqlite", "not-a-folder") });
  assert.equal(prepared.usable, true);
  assert.match(prepared.warnings[0] ?? "", /could not update the advisory database/);
});

test("databaseAge: none for a missing file or an empty database, an error for a non-database", async () => {
  assert.equal(databaseAge(join(work, "missing.sqlite")), undefined);
  const junk = join(work, "junk.sqlite");
  await writeFile(junk, "this is not sqlite, not even close; it is long enough to have a header".repeat(10));
  assert.throws(() => databaseAge(junk), /not a readable advisory database/);
  assert.equal(formatAge(25 * 60_000), "25 min");
  assert.equal(formatAge(7 * 3_600_000), "7 h");
  assert.equal(formatAge(50 * 3_600_000), "2 days");
});

function emptyInventory(): Inventory {
  return {
    schemaVersion: 1,
    scanner: { name: "strata", version: "0" },
    scannedAt: start.toISOString(),
    image: { kind: "rootfs", reference: "test", tags: [] },
    layers: [],
    packages: [],
    issues: [],
  };
}
