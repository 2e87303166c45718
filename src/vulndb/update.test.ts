import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Agent, EnvHttpProxyAgent } from "undici";
import { SourceError } from "../errors.ts";
import { openVulnDatabase } from "./database.ts";
import type { RetryPolicy } from "./download.ts";
import { databaseAge } from "./freshness.ts";
import { type OsvTestServer, startCountingProxy, startOsvServer } from "./osv-test-server.ts";
import { type UpdateOptions, osvBaseUrl, osvZipUrl, updateDatabase } from "./update.ts";

const corpus = fileURLToPath(new URL("../../../shared/osv/", import.meta.url));
const quickRetry: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, deadlineMs: 5000 };
const day1 = new Date("2026-03-01T12:00:00Z");
const day2 = new Date("2026-03-02T12:00:00Z");

let server: OsvTestServer;
let work = "";
let agent: Agent;

before(async () => {
  agent = new Agent();
});
after(async () => {
  await agent.close();
});
beforeEach(async () => {
  server = await startOsvServer(corpus);
  work = await mkdtemp(join(tmpdir(), "strata-update-"));
});
afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function options(ecosystems: string[], now = day1): UpdateOptions {
  return {
    dbPath: join(work, "osv.sqlite"),
    ecosystems,
    baseUrl: server.url,
    cacheDir: join(work, "downloads"),
    fetchAgent: agent,
    now,
    retry: quickRetry,
  };
}

function countBySource(source: string): number {
  const db = openVulnDatabase(join(work, "osv.sqlite"), { readonly: true });
  try {
    const row = db
      .prepare<[string], { n: number }>("SELECT count(*) AS n FROM advisories WHERE source = ?")
      .get(source);
    return row?.n ?? -1;
  } finally {
    db.close();
  }
}

function sourceRow(name: string): { etag: string | null; last_modified: string | null; imported_at: string } {
  const db = openVulnDatabase(join(work, "osv.sqlite"), { readonly: true });
  try {
    const row = db
      .prepare<[string], { etag: string | null; last_modified: string | null; imported_at: string }>(
        "SELECT etag, last_modified, imported_at FROM sources WHERE name = ?",
      )
      .get(name);
    assert.ok(row, `no sources row for ${name}`);
    return row;
  } finally {
    db.close();
  }
}

const zipRequests = (path: string) => server.requests.filter((request) => request.path === path);

test("a fresh update downloads each zip once and imports every record", async () => {
  const report = await updateDatabase(options(["npm", "crates.io"]));
  assert.deepEqual(report.failed, []);
  assert.deepEqual(
    report.updated.map((update) => [update.ecosystem, update.outcome, update.stats?.imported]),
    [
      ["npm", "imported", 467],
      ["crates.io", "imported", 1206],
    ],
  );
  assert.equal(countBySource("npm"), 467);
  assert.equal(countBySource("crates.io"), 1206);
  assert.equal(zipRequests("/crates.io/all.zip").length, 1);
  assert.equal(zipRequests("/npm/all.zip")[0]?.headers["if-none-match"], undefined);
  const npm = server.file("/npm/all.zip");
  assert.equal(report.updated[0]?.received, npm?.data.length);
  assert.equal(sourceRow("npm").etag, npm?.etag);
  assert.equal(sourceRow("npm").last_modified, npm?.lastModified);
  assert.equal(sourceRow("npm").imported_at, day1.toISOString());
  assert.deepEqual(await readdir(join(work, "downloads")), [], "nothing is left in the download folder");
});

test("a second update sends If-None-Match, gets 304 and downloads nothing", async () => {
  await updateDatabase(options(["npm"]));
  const report = await updateDatabase(options(["npm"], day2));
  const [first, second] = zipRequests("/npm/all.zip");
  assert.equal(second?.headers["if-none-match"], server.file("/npm/all.zip")?.etag);
  assert.equal(second?.status, 304);
  assert.equal(second?.bytes, 0);
  assert.equal(first?.bytes, server.file("/npm/all.zip")?.data.length);
  assert.equal(report.updated[0]?.outcome, "not-modified");
  assert.equal(report.updated[0]?.received, 0);
  assert.equal(sourceRow("npm").imported_at, day2.toISOString(), "a 304 counts as a fresh check");
  assert.equal(countBySource("npm"), 467);
});

test("a changed zip is downloaded again and only newer records are written", async () => {
  await updateDatabase(options(["npm"]));
  const zip = await readFile(join(corpus, "npm", "all.zip"));
  server.setFile("/npm/all.zip", zip, new Date("2026-02-01T00:00:00Z"));
  // Same bytes under a new date: the ETag is the same, so Last-Modified alone must not force a download.
  const same = await updateDatabase(options(["npm"], day2));
  assert.equal(same.updated[0]?.outcome, "not-modified");
  server.setFile("/npm/all.zip", await readFile(join(corpus, "crates.io", "all.zip")), new Date("2026-02-02"));
  const changed = await updateDatabase(options(["npm"], day2));
  assert.equal(changed.updated[0]?.outcome, "imported");
  assert.equal(changed.updated[0]?.stats?.imported, 1206);
});

test("an interrupted download resumes with a Range request", async () => {
  server.faults.push("cut-half");
  const report = await updateDatabase(options(["npm"]));
  assert.deepEqual(report.failed, []);
  const size = server.file("/npm/all.zip")?.data.length ?? 0;
  const [cut, resumed] = zipRequests("/npm/all.zip");
  assert.equal(cut?.status, 200);
  assert.equal(resumed?.status, 206);
  const offset = report.updated[0]?.resumedFrom ?? 0;
  assert.ok(offset > 0 && offset < size, `resumed from ${offset} of ${size}`);
  assert.equal(resumed?.headers.range, `bytes=${offset}-`);
  assert.equal(resumed?.headers["if-range"], server.file("/npm/all.zip")?.etag);
  assert.equal(report.updated[0]?.received, size, "no byte was fetched twice");
  assert.equal(report.updated[0]?.attempts, 2);
  assert.equal(countBySource("npm"), 467);
});

test("a download cut in an earlier run resumes in the next one", async () => {
  server.faults.push("cut-half");
  const first = await updateDatabase({ ...options(["npm"]), retry: { ...quickRetry, attempts: 1 } });
  assert.match(first.failed[0]?.error.message ?? "", /connection broke after \d+ bytes/);
  assert.deepEqual((await readdir(join(work, "downloads"))).sort(), ["npm.zip.part", "npm.zip.part.json"]);
  const second = await updateDatabase(options(["npm"]));
  assert.ok((second.updated[0]?.resumedFrom ?? 0) > 0);
  assert.equal(zipRequests("/npm/all.zip")[1]?.status, 206);
  assert.equal(countBySource("npm"), 467);
});

test("without Range support an interrupted download starts again", async () => {
  server.faults.push("cut-half");
  server.rangeSupport = false;
  const report = await updateDatabase(options(["npm"]));
  assert.deepEqual(report.failed, []);
  assert.deepEqual(
    zipRequests("/npm/all.zip").map((request) => request.status),
    [200, 200],
  );
  assert.equal(report.updated[0]?.resumedFrom, 0);
  assert.equal(countBySource("npm"), 467);
});

test("a corrupt zip is rejected and the database keeps what it had", async () => {
  await updateDatabase(options(["npm"]));
  const before = sourceRow("npm");
  server.setFile("/npm/all.zip", randomBytes(200_000), new Date("2026-02-01T00:00:00Z"));
  const report = await updateDatabase(options(["npm"], day2));
  assert.equal(report.updated.length, 0);
  const failure = report.failed[0];
  assert.ok(failure?.error instanceof SourceError);
  assert.match(failure.error.message, /npm\/all\.zip sent an unusable file: not a readable zip/);
  assert.ok(failure.error.message.includes(`${server.url}/npm/all.zip`));
  assert.deepEqual(sourceRow("npm"), before, "etag and update time unchanged");
  assert.equal(countBySource("npm"), 467);
  assert.equal(databaseAge(join(work, "osv.sqlite"), day2)?.updatedAt, day1.toISOString());
  assert.deepEqual(await readdir(join(work, "downloads")), [], "the bad download was deleted");
});

test("a 500 is retried and the next 200 is used", async () => {
  server.faults.push(500, 503);
  const report = await updateDatabase(options(["crates.io"]));
  assert.deepEqual(report.failed, []);
  assert.deepEqual(
    zipRequests("/crates.io/all.zip").map((request) => request.status),
    [500, 503, 200],
  );
  assert.equal(report.updated[0]?.attempts, 3);
  assert.equal(countBySource("crates.io"), 1206);
});

test("retries stop at the attempt limit with a SourceError naming the URL", async () => {
  server.faults.push(500, 500, 500, 500);
  const report = await updateDatabase(options(["crates.io"]));
  assert.equal(zipRequests("/crates.io/all.zip").length, quickRetry.attempts);
  assert.match(report.failed[0]?.error.message ?? "", /crates\.io\/all\.zip: HTTP 500 \(gave up after 3 attempts\)/);
});

test("a 404 is not retried", async () => {
  const report = await updateDatabase(options(["NoSuchEcosystem"]));
  assert.equal(zipRequests("/NoSuchEcosystem/all.zip").length, 1);
  assert.match(report.failed[0]?.error.message ?? "", /NoSuchEcosystem\/all\.zip: HTTP 404/);
});

test("an unreachable server gives a SourceError with the URL, and is not retried for each ecosystem", async () => {
  const closed = await startOsvServer(corpus);
  const deadUrl = closed.url;
  await closed.close();
  const report = await updateDatabase({ ...options(["npm", "Go"]), baseUrl: deadUrl });
  assert.deepEqual(
    report.failed.map((failure) => failure.ecosystem),
    ["npm", "Go"],
  );
  const error = report.failed[0]?.error;
  assert.ok(error instanceof SourceError);
  assert.ok(error.message.includes(`${deadUrl}/npm/all.zip`), error.message);
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /gave up after 3 attempts/);
  assert.equal(
    report.failed[1]?.error.message,
    `could not download ${deadUrl}/Go/all.zip: not tried, ${deadUrl} was unreachable`,
    "a host that refused connections is not retried for every ecosystem",
  );
});

test("HTTP_PROXY from the environment is used when no agent is given", async (t) => {
  const proxy = await startCountingProxy();
  const restore = setEnv({ http_proxy: undefined, no_proxy: undefined, HTTP_PROXY: proxy.url, NO_PROXY: "" });
  t.after(async () => {
    restore();
    await proxy.close();
  });
  const { fetchAgent: _, ...withoutAgent } = options(["npm"]);
  const report = await updateDatabase(withoutAgent);
  assert.deepEqual(report.failed, []);
  const host = new URL(server.url).host;
  assert.equal(proxy.tunnels.length + proxy.forwarded.length, 1);
  assert.ok(
    proxy.tunnels.includes(host) || proxy.forwarded.some((url) => url.startsWith(server.url)),
    JSON.stringify(proxy),
  );
  assert.equal(countBySource("npm"), 467);
});

test("HTTPS_PROXY is honoured for https URLs (CONNECT tunnel)", async (t) => {
  const pems = selfSignedCertificate(work);
  if (!pems) {
    t.skip("openssl is not installed (Debian package: openssl)");
    return;
  }
  const tlsServer = await startOsvServer(corpus, pems);
  const proxy = await startCountingProxy();
  const restore = setEnv({ https_proxy: undefined, no_proxy: undefined, HTTPS_PROXY: proxy.url, NO_PROXY: "" });
  const proxied = new EnvHttpProxyAgent({ requestTls: { ca: pems.cert } });
  t.after(async () => {
    restore();
    await proxied.close();
    await proxy.close();
    await tlsServer.close();
  });
  const report = await updateDatabase({ ...options(["crates.io"]), baseUrl: tlsServer.url, fetchAgent: proxied });
  assert.deepEqual(report.failed, []);
  assert.deepEqual(proxy.tunnels, [new URL(tlsServer.url).host]);
  assert.equal(tlsServer.requests.length, 1);
  assert.equal(countBySource("crates.io"), 1206);
});

test("the base URL comes from the option, then STRATA_OSV_URL, then osv.dev", () => {
  assert.equal(osvBaseUrl("http://a", { STRATA_OSV_URL: "http://b" }), "http://a");
  assert.equal(osvBaseUrl(undefined, { STRATA_OSV_URL: "http://b" }), "http://b");
  assert.match(osvBaseUrl(undefined, {}), /^https:\/\//);
  assert.equal(osvZipUrl("http://h/osv/", "Red Hat"), "http://h/osv/Red%20Hat/all.zip");
  assert.equal(osvZipUrl("http://h", "Debian:12"), "http://h/Debian%3A12/all.zip");
});

test("a base URL that is not http(s) is a usage error, before anything is written", async () => {
  await assert.rejects(updateDatabase({ ...options(["npm"]), baseUrl: "osv-mirror" }), /is not a URL/);
  await assert.rejects(updateDatabase({ ...options(["npm"]), baseUrl: "file:///srv/osv" }), /https or http only/);
  await assert.rejects(updateDatabase(options([" "])), /not an OSV ecosystem name/);
  assert.deepEqual(await readdir(work), []);
});

/** Sets (or, for undefined, removes) environment variables; returns what puts them back. */
function setEnv(changes: Record<string, string | undefined>): () => void {
  const previous = Object.keys(changes).map((name) => [name, process.env[name]] as const);
  const apply = (name: string, value: string | undefined): void => {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  };
  for (const [name, value] of Object.entries(changes)) apply(name, value);
  return () => {
    for (const [name, value] of previous) apply(name, value);
  };
}

function selfSignedCertificate(dir: string): { key: string; cert: string } | undefined {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
  } catch {
    return undefined;
  }
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}
