/**
 * The API suite, run once per database: every route in process through `app.request()`, against a real
 * database, a real advisory database imported from the OSV corpus and inventories from real scans.
 */
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Kysely, KyselyPlugin } from "kysely";
import { after, before, test } from "node:test";
import type { Hono } from "hono";
import { createApp } from "../../backend/api/app.ts";
import type { AppEnv } from "../../backend/api/deps.ts";
import { type BackendDatabase, openDatabase } from "../../backend/db/connect.ts";
import type { Tables } from "../../backend/db/tables.ts";
import { type AdvisorySource, openAdvisorySource } from "../../backend/posture/advisory-source.ts";
import { ingestInventory } from "../../backend/posture/ingest.ts";
import { createToken, tokenStore } from "../../backend/store/tokens.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { importAdvisories } from "./fixtures.ts";

export interface SuiteInputs {
  work: string;
  inventory: Inventory;
  /** An advisory database with the Debian and npm subsets imported. */
  advisoryDb: string;
  /** Imported into the advisory database mid-suite. */
  pypiZip: string;
}

type App = Hono<AppEnv>;

interface Call {
  token?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

async function call(app: App, method: string, path: string, options: Call = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  const response = await app.request(path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const json: unknown = await response.json();
  return { status: response.status, headers: response.headers, json };
}

/** Reads a property path from parsed JSON, failing the test when it is not there. */
function field(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    assert.ok(typeof current === "object" && current !== null, `no ${String(key)} in ${JSON.stringify(current)}`);
    const next: unknown = Reflect.get(current, key);
    current = next;
  }
  return current;
}

function items(page: unknown): unknown[] {
  const list = field(page, "items");
  assert.ok(Array.isArray(list));
  return list;
}

/** The same image with another digest and tag, without its curl layer packages: a second, smaller image. */
function variant(inventory: Inventory): Inventory {
  return {
    ...inventory,
    image: {
      ...inventory.image,
      configDigest: `sha256:${"b".repeat(64)}`,
      reference: "registry.example/other/tool:2",
      tags: ["registry.example/other/tool:2"],
    },
    packages: inventory.packages.filter((pkg) => pkg.layer.index !== 1),
  };
}

/** Makes every INSERT into `findings` fail: a crash in the middle of storing an upload. */
const failOnFindings: KyselyPlugin = {
  transformQuery: (args) => {
    const node = args.node;
    if (node.kind === "InsertQueryNode" && node.into?.table.identifier.name === "findings")
      throw new Error("injected failure while writing findings");
    return node;
  },
  transformResult: (args) => Promise.resolve(args.result),
};

export function apiSuite(openUrl: () => Promise<string>, inputs: () => Promise<SuiteInputs>): void {
  let database: BackendDatabase;
  let advisories: AdvisorySource;
  let advisoryDb: string;
  let app: App;
  let inventory: Inventory;
  let pypiZip: string;
  const logged: string[] = [];
  const token = { sensor: "", user: "", admin: "" };
  let imageId = "";

  before(async () => {
    const given = await inputs();
    inventory = given.inventory;
    pypiZip = given.pypiZip;
    // Each run gets its own advisory database: the suite imports more advisories into it.
    advisoryDb = join(given.work, `advisories-${Math.random().toString(36).slice(2)}.db`);
    await copyFile(given.advisoryDb, advisoryDb);
    database = await openDatabase(await openUrl());
    advisories = openAdvisorySource(advisoryDb);
    app = createApp({
      db: database.db,
      advisories,
      tokens: tokenStore(database.db),
      limits: { maxBodyBytes: 256 * 1024, maxPageSize: 100 },
      log: (line) => logged.push(line),
    });
    token.sensor = await createToken(database.db, "sensor", "test sensor");
    token.user = await createToken(database.db, "user", "test user");
    token.admin = await createToken(database.db, "admin", "test admin");
    imageId = inventory.image.configDigest ?? "";
  });

  after(async () => {
    advisories.close();
    await database.close();
  });

  const upload = (body: unknown, options: Call = {}) =>
    call(app, "POST", "/api/v1/inventories", {
      token: token.sensor,
      body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
      headers: { "content-type": "application/json" },
      ...options,
    });

  test("health answers without a token and without data", async () => {
    const response = await call(app, "GET", "/api/v1/health");
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { status: "ok" });
  });

  test("a sensor upload is matched by the server: 201, then 200 when the same image comes again", async () => {
    const first = await upload(inventory);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(field(first.json, "id"), imageId);
    assert.equal(field(first.json, "created"), true);
    assert.equal(field(first.json, "packages"), 11);
    // 14 Debian findings (DSA/CVE) and 3 npm ones; PyPI advisories are not imported yet.
    assert.equal(field(first.json, "findings"), 17);
    const before = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    const again = await upload(inventory);
    assert.equal(again.status, 200);
    assert.equal(field(again.json, "created"), false);
    const after = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    assert.equal(field(after.json, "firstSeen"), field(before.json, "firstSeen"));
    assert.ok(String(field(after.json, "lastSeen")) >= String(field(before.json, "lastSeen")));
    assert.equal(field(after.json, "findings"), 17);
    const list = await call(app, "GET", "/api/v1/images", { token: token.user });
    assert.equal(field(list.json, "total"), 1);
  });

  test("findings a sensor sends along are ignored", async () => {
    const forged = {
      ...inventory,
      vulnerabilities: {
        database: { sources: [] },
        findings: [{ id: "FORGED-1", packageId: inventory.packages[0]?.id, severity: { rating: "critical" } }],
      },
    };
    assert.equal((await upload(forged)).status, 200);
    const found = await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities?q=FORGED&limit=100`, {
      token: token.user,
    });
    assert.equal(field(found.json, "total"), 0);
    const all = await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities?limit=100`, { token: token.user });
    assert.equal(field(all.json, "total"), 17);
  });

  test("no endpoint but health is readable without a valid token; roles are enforced", async () => {
    const reads = [
      "/api/v1/images",
      `/api/v1/images/${imageId}`,
      `/api/v1/images/${imageId}/packages`,
      `/api/v1/images/${imageId}/vulnerabilities`,
    ];
    for (const path of reads) {
      const anonymous = await call(app, "GET", path);
      assert.equal(anonymous.status, 401, path);
      assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal(anonymous.headers.get("cache-control"), "no-store");
      assert.equal((await call(app, "GET", path, { token: "strata_not-a-token" })).status, 401, path);
      assert.equal((await call(app, "GET", path, { headers: { authorization: token.user } })).status, 401, path);
      assert.equal((await call(app, "GET", path, { token: token.sensor })).status, 403, path);
      assert.equal((await call(app, "GET", path, { token: token.user })).status, 200, path);
      assert.equal((await call(app, "GET", path, { token: token.admin })).status, 200, path);
    }
    assert.equal((await upload(inventory, { token: "" })).status, 401);
    assert.equal((await upload(inventory, { token: token.user })).status, 403);
    assert.equal((await call(app, "POST", "/api/v1/admin/reevaluate")).status, 401);
    assert.equal((await call(app, "POST", "/api/v1/admin/reevaluate", { token: token.user })).status, 403);
    assert.equal((await call(app, "POST", "/api/v1/admin/reevaluate", { token: token.sensor })).status, 403);
  });

  test("malformed uploads are 400 with a message that says what is wrong", async () => {
    const notJson = await upload("{ not json");
    assert.equal(notJson.status, 400);
    assert.match(String(field(notJson.json, "error")), /not JSON/);

    const future = await upload({ ...inventory, schemaVersion: 2 });
    assert.equal(future.status, 400);
    assert.match(String(field(future.json, "error")), /unsupported inventory schemaVersion 2/);

    const none = await upload({ hello: "world" });
    assert.equal(none.status, 400);
    assert.match(String(field(none.json, "error")), /no schemaVersion/);

    const [firstPackage, ...rest] = inventory.packages;
    const badVersion = await upload({ ...inventory, packages: [{ ...firstPackage, version: 5 }, ...rest] });
    assert.equal(badVersion.status, 400);
    assert.match(String(field(badVersion.json, "error")), /^invalid inventory: packages\[0\]\.version: /);
    assert.equal(field(badVersion.json, "problems", 0, "path"), "packages[0].version");

    const badEcosystem = await upload({ ...inventory, packages: [{ ...firstPackage, ecosystem: "cobol" }] });
    assert.equal(badEcosystem.status, 400);
    assert.equal(field(badEcosystem.json, "problems", 0, "path"), "packages[0].ecosystem");

    const strayLayer = await upload({
      ...inventory,
      packages: [{ ...firstPackage, layer: { index: 9, digest: "x", diffId: "y" } }],
    });
    assert.equal(strayLayer.status, 400);
    assert.match(String(field(strayLayer.json, "error")), /names layer 9, but the image has 4/);

    const { configDigest: _config, manifestDigest: _manifest, ...noDigest } = inventory.image;
    const rootfs = await upload({ ...inventory, image: { ...noDigest, kind: "rootfs" } });
    assert.equal(rootfs.status, 400);
    assert.match(String(field(rootfs.json, "error")), /neither configDigest nor manifestDigest/);

    // Nothing above changed what is stored.
    const stored = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    assert.equal(field(stored.json, "packages"), 11);
  });

  test("bodies over the size cap are 413, plain or gzip'd; gzip'd inventories are accepted", async () => {
    const huge = JSON.stringify({ ...inventory, padding: "x".repeat(300 * 1024) });
    assert.equal((await upload(huge)).status, 413);
    const bomb = gzipSync(huge);
    assert.ok(bomb.length < 256 * 1024);
    const bombed = await upload(bomb, { headers: { "content-encoding": "gzip" } });
    assert.equal(bombed.status, 413);
    const gzipped = await upload(gzipSync(JSON.stringify(inventory)), { headers: { "content-encoding": "gzip" } });
    assert.equal(gzipped.status, 200);
    const brotli = await upload("{}", { headers: { "content-encoding": "br" } });
    assert.equal(brotli.status, 415);
  });

  test("images: search by reference or tag, sort, page", async () => {
    assert.equal((await upload(variant(inventory))).status, 201);
    const get = (query: string) => call(app, "GET", `/api/v1/images${query}`, { token: token.user });

    const all = await get("");
    assert.equal(field(all.json, "total"), 2);
    const byTag = await get("?q=STRATA/APP");
    assert.equal(field(byTag.json, "total"), 1);
    assert.equal(field(byTag.json, "items", 0, "id"), imageId);
    assert.deepEqual(field(byTag.json, "items", 0, "tags"), ["registry.example/strata/app:1.0"]);
    assert.equal(field(await get("?q=other%2Ftool"), "json", "total"), 1);
    assert.equal(field(await get("?q=%25"), "json", "total"), 0, "% is matched literally");

    const worst = await get("?sort=findings");
    assert.deepEqual(
      items(worst.json).map((item) => field(item, "findings")),
      [17, 11],
    );
    assert.equal(field(worst.json, "items", 0, "severities", "medium"), 2);
    assert.equal(field(worst.json, "items", 0, "severities", "low"), 1);
    assert.equal(field(worst.json, "items", 0, "severities", "unknown"), 14);
    const fewest = await get("?sort=findings&order=asc");
    assert.equal(field(fewest.json, "items", 0, "findings"), 11);

    const byReference = await get("?sort=reference");
    const references = items(byReference.json).map((item) => String(field(item, "reference")));
    assert.deepEqual(references, [...references].sort());

    const newest = await get("?sort=lastSeen");
    assert.equal(field(newest.json, "items", 0, "reference"), "registry.example/other/tool:2");

    const second = await get("?sort=findings&limit=1&page=2");
    assert.equal(items(second.json).length, 1);
    assert.equal(field(second.json, "items", 0, "findings"), 11);
    assert.equal(field(second.json, "total"), 2);

    for (const bad of ["?sort=size", "?limit=0", "?limit=101", "?page=0", "?page=x", "?colour=red"]) {
      const response = await get(bad);
      assert.equal(response.status, 400, bad);
      assert.match(String(field(response.json, "error")), /^invalid query/, bad);
    }
  });

  test("image details: layers with digests, sizes, created-by, packages introduced and severity counts", async () => {
    const response = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    assert.equal(response.status, 200);
    const details = response.json;
    assert.equal(field(details, "configDigest"), imageId);
    assert.deepEqual(field(details, "tags"), ["registry.example/strata/app:1.0"]);
    assert.equal(field(details, "platform"), "linux/amd64");
    assert.equal(field(details, "distro", "id"), "debian");
    assert.equal(field(details, "distro", "version"), "11");
    assert.deepEqual(field(details, "ecosystems"), { deb: 6, npm: 3, pypi: 2 });
    const layers = field(details, "layers");
    assert.ok(Array.isArray(layers));
    assert.deepEqual(
      layers.map((layer) => [field(layer, "index"), field(layer, "packages"), field(layer, "findings")]),
      [
        [0, 4, 8],
        [1, 2, 6],
        [2, 3, 3],
        [3, 2, 0],
      ],
    );
    for (const [index, layer] of layers.entries()) {
      const stored = inventory.layers[index];
      assert.equal(field(layer, "digest"), stored?.digest);
      assert.equal(field(layer, "diffId"), stored?.diffId);
      assert.equal(field(layer, "size"), stored?.size);
      assert.equal(field(layer, "createdBy"), stored?.createdBy);
    }
    assert.equal(field(layers[2], "severities", "medium"), 2);
    assert.equal(field(layers[2], "severities", "low"), 1);

    const bare = await call(app, "GET", `/api/v1/images/${imageId.slice("sha256:".length)}`, { token: token.user });
    assert.equal(field(bare.json, "id"), imageId);
    const missing = await call(app, "GET", `/api/v1/images/sha256:${"0".repeat(64)}`, { token: token.user });
    assert.equal(missing.status, 404);
    for (const sub of ["packages", "vulnerabilities"]) {
      const none = await call(app, "GET", `/api/v1/images/sha256:${"0".repeat(64)}/${sub}`, { token: token.user });
      assert.equal(none.status, 404);
    }
    assert.equal((await call(app, "GET", "/api/v1/images/not a digest", { token: token.user })).status, 400);
  });

  test("packages: filter by ecosystem, layer and text", async () => {
    const get = (query: string) =>
      call(app, "GET", `/api/v1/images/${imageId}/packages${query}`, { token: token.user });
    const all = await get("");
    assert.equal(field(all.json, "total"), 11);
    const layersInOrder = items(all.json).map((item) => Number(field(item, "layer")));
    assert.deepEqual(
      layersInOrder,
      [...layersInOrder].sort((a, b) => a - b),
    );
    const npm = await get("?ecosystem=npm");
    assert.deepEqual(
      items(npm.json).map((item) => field(item, "name")),
      ["lodash", "marked", "semver"],
    );
    assert.deepEqual(
      items(npm.json).map((item) => field(item, "findings")),
      [2, 1, 0],
    );
    assert.equal(field(npm.json, "items", 0, "purl"), "pkg:npm/lodash@4.17.4");
    assert.equal(field(npm.json, "items", 0, "foundBy"), "npm-package-json");
    assert.equal(field(npm.json, "items", 0, "path"), "/app/node_modules/lodash/package.json");
    assert.deepEqual(field(npm.json, "items", 0, "licenses"), ["MIT"]);
    const curlLayer = await get("?layer=1");
    assert.deepEqual(
      items(curlLayer.json).map((item) => field(item, "name")),
      ["curl", "libcurl4"],
    );
    assert.equal(field(await get("?q=CURL"), "json", "total"), 2);
    assert.equal(field(await get("?q=curl&ecosystem=npm"), "json", "total"), 0);
    assert.equal(field(await get("?ecosystem=deb,pypi"), "json", "total"), 8);
    assert.equal((await get("?ecosystem=cobol")).status, 400);
    assert.equal((await get("?layer=-1")).status, 400);
  });

  test("packages: sorted on the server by name, findings or path, either way", async () => {
    const get = async (query: string) =>
      items((await call(app, "GET", `/api/v1/images/${imageId}/packages${query}`, { token: token.user })).json);
    const findings = (await get("?sort=findings")).map((item) => Number(field(item, "findings")));
    assert.deepEqual(
      findings,
      [...findings].sort((a, b) => b - a),
    );
    assert.notDeepEqual(findings, [...findings].reverse());
    const names = (await get("?sort=name")).map((item) => field(item, "name"));
    assert.deepEqual(
      (await get("?sort=name&order=desc")).map((item) => field(item, "name")),
      [...names].reverse(),
    );
    const secondPage = (await get("?sort=name&limit=2&page=2")).map((item) => field(item, "name"));
    assert.deepEqual(secondPage, names.slice(2, 4));
    const paths = (await get("?sort=path&order=desc")).map((item) => field(item, "path"));
    assert.notEqual(paths[0], null);
    for (const bad of ["?sort=version", "?order=up"])
      assert.equal(
        (await call(app, "GET", `/api/v1/images/${imageId}/packages${bad}`, { token: token.user })).status,
        400,
        bad,
      );
  });

  test("vulnerabilities: worst first, filtered by detection, severity, ecosystem, layer and fixability", async () => {
    const get = (query: string) =>
      call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities${query}`, { token: token.user });
    const all = await get("?limit=100");
    assert.equal(field(all.json, "total"), 17);
    const ranks = ["critical", "high", "medium", "low", "none", "unknown"];
    const order = items(all.json).map((item) => ranks.indexOf(String(field(item, "severity", "rating"))));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
    const first = items(all.json)[0];
    assert.equal(field(first, "id"), "CVE-2018-16487");
    assert.equal(field(first, "severity", "score"), 5.7);
    assert.equal(field(first, "package", "name"), "lodash");
    assert.deepEqual(field(first, "fixedVersions"), ["4.17.11"]);
    assert.equal(field(first, "fixable"), true);
    assert.equal(field(first, "detection"), "sca");
    assert.equal(field(first, "layer"), 2);

    assert.equal(field(await get("?detection=os"), "json", "total"), 14);
    assert.equal(field(await get("?detection=sca"), "json", "total"), 3);
    const medium = await get("?severity=medium");
    assert.deepEqual(
      items(medium.json).map((item) => field(item, "package", "name")),
      ["lodash", "marked"],
    );
    assert.equal(field(await get("?severity=low,medium"), "json", "total"), 3);
    assert.equal(field(await get("?severity=low&severity=medium"), "json", "total"), 3);
    assert.equal(field(await get("?ecosystem=deb&limit=100"), "json", "total"), 14);
    const curlLayer = await get("?layer=1");
    assert.equal(field(curlLayer.json, "total"), 6);
    assert.ok(items(curlLayer.json).every((item) => field(item, "detection") === "os"));
    const unfixed = await get("?fixable=false");
    assert.equal(field(unfixed.json, "total"), 1);
    assert.equal(field(unfixed.json, "items", 0, "id"), "NSWG-ECO-101");
    assert.equal(field(await get("?fixable=true&limit=100"), "json", "total"), 16);
    const zlib = await get("?q=cve-2018-25032");
    assert.equal(field(zlib.json, "total"), 1);
    assert.deepEqual(field(zlib.json, "items", 0, "aliases"), ["DSA-5111-1"]);
    assert.deepEqual(field(zlib.json, "items", 0, "fixedVersions"), ["1:1.2.11.dfsg-2+deb11u1"]);
    const byAlias = await get("?q=DSA-5197-1");
    assert.deepEqual(
      items(byAlias.json).map((item) => field(item, "package", "name")),
      ["curl", "libcurl4"],
    );
    for (const bad of ["?severity=severe", "?detection=both", "?fixable=yes", "?layer=one", "?sort=score"])
      assert.equal((await get(bad)).status, 400, bad);
  });

  test("vulnerabilities: sorted on the server by package or layer, and by severity least first", async () => {
    const get = async (query: string) =>
      items(
        (await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities?limit=100${query}`, { token: token.user }))
          .json,
      );
    const packages = (await get("&sort=package")).map((item) => String(field(item, "package", "name")));
    assert.deepEqual(packages, [...packages].sort());
    const layers = (await get("&sort=layer&order=desc")).map((item) => Number(field(item, "layer")));
    assert.deepEqual(
      layers,
      [...layers].sort((a, b) => b - a),
    );
    const ranks = ["critical", "high", "medium", "low", "none", "unknown"];
    const worstFirst = (await get("")).map((item) => ranks.indexOf(String(field(item, "severity", "rating"))));
    const leastFirst = (await get("&sort=severity&order=asc")).map((item) =>
      ranks.indexOf(String(field(item, "severity", "rating"))),
    );
    assert.deepEqual(leastFirst, [...worstFirst].reverse());
  });

  test("advisories imported after an upload show up on re-evaluation, without a new upload", async () => {
    const pypiBefore = await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities?ecosystem=pypi`, {
      token: token.user,
    });
    assert.equal(field(pypiBefore.json, "total"), 0);

    await importAdvisories(advisoryDb, [pypiZip]);
    const response = await call(app, "POST", "/api/v1/admin/reevaluate", { token: token.admin });
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.equal(field(response.json, "images"), 2);
    assert.equal(field(response.json, "skipped"), 0);
    assert.equal(field(response.json, "findings"), 21 + 15);

    const pypi = await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities?ecosystem=pypi`, {
      token: token.user,
    });
    assert.deepEqual(
      items(pypi.json)
        .map((item) => `${String(field(item, "package", "name"))} ${String(field(item, "id"))}`)
        .sort(),
      ["pyyaml CVE-2020-14343", "pyyaml CVE-2020-1747", "requests CVE-2018-18074", "requests CVE-2023-32681"],
    );
    const details = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    assert.equal(field(details.json, "findings"), 21);
    assert.equal(field(details.json, "layers", 3, "findings"), 4);
    const listed = await call(app, "GET", "/api/v1/images?sort=findings", { token: token.user });
    assert.equal(field(listed.json, "items", 0, "findings"), 21);
    assert.equal(field(listed.json, "items", 0, "severities", "unknown"), 18);
  });

  test("a failure in the middle of storing an upload leaves the previous inventory and findings", async () => {
    const failing: Kysely<Tables> = database.db.withPlugin(failOnFindings);
    const smaller = { ...inventory, packages: inventory.packages.slice(0, 2) };
    await assert.rejects(ingestInventory(failing, advisories, smaller), /injected failure/);
    const details = await call(app, "GET", `/api/v1/images/${imageId}`, { token: token.user });
    assert.equal(field(details.json, "packages"), 11);
    assert.equal(field(details.json, "findings"), 21);
    const packages = await call(app, "GET", `/api/v1/images/${imageId}/packages`, { token: token.user });
    assert.equal(field(packages.json, "total"), 11);
    const vulnerabilities = await call(app, "GET", `/api/v1/images/${imageId}/vulnerabilities`, { token: token.user });
    assert.equal(field(vulnerabilities.json, "total"), 21);
    assert.deepEqual(logged, []);
  });
}
