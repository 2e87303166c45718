import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { defaultUiDir, serveUi } from "./serve-ui.ts";

let work = "";
let ui = "";
const indexHtml = '<!doctype html><title>Strata</title><script type="module" src="/assets/index-abc123.js"></script>';
const script = "console.log('the app');";

/** An app shaped like the real one: an /api/ route, the UI for everything else, the API's JSON 404. */
function appFor(uiDir: string): Hono {
  const app = new Hono();
  app.get("/api/v1/health", (c) => c.json({ status: "ok" }));
  app.get("*", serveUi(uiDir));
  app.get("/api/v1/later", (c) => c.json({ registered: "after the UI" }));
  app.notFound((c) => c.json({ error: "not found" }, 404));
  return app;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-serve-ui-"));
  ui = join(work, "dist");
  await mkdir(join(ui, "assets"), { recursive: true });
  await writeFile(join(ui, "index.html"), indexHtml);
  await writeFile(join(ui, "assets", "index-abc123.js"), script);
  await writeFile(join(ui, "assets", "index-def456.css"), "body { margin: 0 }");
  await writeFile(join(ui, "robots.txt"), "User-agent: *\n");
  await writeFile(join(ui, ".env"), "SECRET=1\n");
  await writeFile(join(work, "secret.txt"), "outside the UI folder\n");
  await symlink(join(work, "secret.txt"), join(ui, "assets", "link.txt"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("/ and unknown paths are index.html, never cached, with a strict content security policy", async () => {
  const app = appFor(ui);
  for (const path of ["/", "/images/sha256:0123abcd", "/images/sha256:0123abcd?tab=vulnerabilities&detection=sca"]) {
    const response = await app.request(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.match(response.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(await response.text(), indexHtml);
  }
});

test("hashed assets have their content type and are cached for a year", async () => {
  const app = appFor(ui);
  const js = await app.request("/assets/index-abc123.js");
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(js.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await js.text(), script);
  const css = await app.request("/assets/index-def456.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  const robots = await app.request("/robots.txt");
  assert.equal(robots.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(robots.headers.get("cache-control"), "no-cache");
});

test("a missing asset is a 404, not the page; HEAD works; POST is not served", async () => {
  const app = appFor(ui);
  const missing = await app.request("/assets/index-old999.js");
  assert.equal(missing.status, 404);
  const head = await app.request("/assets/index-abc123.js", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await head.text(), "");
  const post = await app.request("/", { method: "POST" });
  assert.equal(post.status, 404);
});

test("/api/ paths reach routes registered later, and keep the API's JSON 404", async () => {
  const app = appFor(ui);
  assert.deepEqual(await (await app.request("/api/v1/health")).json(), { status: "ok" });
  assert.deepEqual(await (await app.request("/api/v1/later")).json(), { registered: "after the UI" });
  for (const path of ["/api/v1/nope", "/api", "/api/"]) {
    const response = await app.request(path);
    assert.equal(response.status, 404, path);
    assert.deepEqual(await response.json(), { error: "not found" });
  }
});

test("dot files and links that leave the folder are not served", async () => {
  const app = appFor(ui);
  const env = await app.request("/.env");
  assert.equal(await env.text(), indexHtml);
  const link = await app.request("/assets/link.txt");
  assert.equal(link.status, 404);
  assert.doesNotMatch(await link.text(), /outside/);
});

/** Sends `path` exactly as written: fetch and URL would normalise the dot segments away first. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: "127.0.0.1", port, path, method: "GET" }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      response.on("error", reject);
    });
    sent.on("error", reject);
    sent.end();
  });
}

test("no path climbs out of the UI folder over real HTTP", async () => {
  const server = serve({ fetch: appFor(ui).fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  try {
    const attempts = [
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/assets%2f..%2f..%2fsecret.txt",
      "/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/index.html%00.js",
      "/%E0%A4%A",
    ];
    for (const path of attempts) {
      const { status, body } = await rawGet(address.port, path);
      assert.doesNotMatch(body, /outside the UI folder/, path);
      assert.ok([200, 400, 404].includes(status), `${path}: ${status}`);
    }
    assert.equal((await rawGet(address.port, "/..%2fsecret.txt")).status, 400);
    assert.equal((await rawGet(address.port, "/assets/index-abc123.js")).body, script);
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
});

test("without a build, / says how to make one", async () => {
  const app = appFor(join(work, "not-built"));
  const response = await app.request("/");
  assert.equal(response.status, 503);
  assert.match(await response.text(), /npm run build:web/);
  assert.equal((await app.request("/api/v1/nope")).status, 404);
});

test("the default folder is web/dist of this repository", () => {
  assert.equal(defaultUiDir(), join(new URL("../..", import.meta.url).pathname, "web", "dist"));
});
