import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import type { Inventory } from "../model/inventory.ts";
import { UploadError, Uploader, uploadEndpoint, uploadInventory } from "./upload.ts";

const token = "strata_secret-token-value";

const inventory: Inventory = {
  schemaVersion: 1,
  scanner: { name: "strata", version: "0.0.0" },
  scannedAt: "2025-01-01T00:00:00.000Z",
  image: { kind: "rootfs", reference: "dir:/x", configDigest: `sha256:${"a".repeat(64)}`, tags: [] },
  layers: [],
  packages: [],
  issues: [],
};

interface Received {
  authorization: string | undefined;
  encoding: string | undefined;
  path: string | undefined;
  body: unknown;
}

type Answer = (request: Received, count: number) => { status: number; headers?: Record<string, string>; body: unknown };

let server: Server;
let base = "";
let answer: Answer = () => ({ status: 201, body: {} });
let received: Received[] = [];

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const raw = await readBody(request);
  const entry: Received = {
    authorization: request.headers.authorization,
    encoding: request.headers["content-encoding"],
    path: request.url,
    body: JSON.parse(gunzipSync(raw).toString("utf8")),
  };
  received.push(entry);
  const { status, headers, body } = answer(entry, received.length);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

before(async () => {
  server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  base = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function reset(next: Answer): void {
  received = [];
  answer = next;
}

const accepted = { id: `sha256:${"a".repeat(64)}`, created: true, packages: 0, findings: 0 };
const fast = { retry: { baseDelayMs: 10, maxDelayMs: 2000 } };

test("an inventory goes gzip'd with the bearer token to <url>/api/v1/inventories", async () => {
  reset(() => ({ status: 201, body: accepted }));
  const receipt = await uploadInventory({ url: `${base}/`, token }, inventory, fast);
  assert.deepEqual(receipt, { ...accepted, attempts: 1 });
  assert.equal(received.length, 1);
  assert.equal(received[0]?.authorization, `Bearer ${token}`);
  assert.equal(received[0]?.encoding, "gzip");
  assert.equal(received[0]?.path, "/api/v1/inventories");
  assert.deepEqual(received[0]?.body, inventory);
});

test("5xx and 429 are retried, and Retry-After is honoured", async () => {
  reset((_, count) => {
    if (count === 1) return { status: 503, body: { error: "starting" } };
    if (count === 2) return { status: 429, headers: { "retry-after": "1" }, body: { error: "slow down" } };
    return { status: 200, body: { ...accepted, created: false } };
  });
  const started = Date.now();
  const receipt = await uploadInventory({ url: base, token }, inventory, fast);
  assert.equal(receipt.attempts, 3);
  assert.equal(receipt.created, false);
  assert.ok(Date.now() - started >= 950, "waited for the Retry-After second");
});

test("a 400 is a final rejection that carries the server's problems, and is not retried", async () => {
  reset(() => ({
    status: 400,
    body: { error: "invalid inventory", problems: [{ path: "packages[3].version", message: "Required" }] },
  }));
  const error = await uploadInventory({ url: base, token }, inventory, fast).then(
    () => assert.fail("the upload should fail"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof UploadError);
  assert.equal(error.failure, "rejected");
  assert.equal(error.status, 400);
  assert.match(
    error.message,
    /rejected the inventory: 400 Bad Request: invalid inventory; packages\[3\]\.version: Required/,
  );
  assert.equal(received.length, 1);
});

test("a wrong token is 'unauthorized', and the token never appears in the message", async () => {
  reset(() => ({ status: 401, body: { error: "a valid bearer token is required" } }));
  const error = await uploadInventory({ url: base, token }, inventory, fast).catch((caught: unknown) => caught);
  assert.ok(error instanceof UploadError);
  assert.equal(error.failure, "unauthorized");
  assert.match(error.message, /401 Unauthorized: a valid bearer token is required \(is the token right\?\)/);
  assert.ok(!error.message.includes(token));
  assert.equal(received.length, 1);
});

test("when the server keeps failing, the last answer is reported as 'unavailable'", async () => {
  reset(() => ({ status: 502, body: { error: "bad gateway" } }));
  const error = await uploadInventory({ url: base, token }, inventory, {
    retry: { attempts: 3, baseDelayMs: 5 },
  }).catch((caught: unknown) => caught);
  assert.ok(error instanceof UploadError);
  assert.equal(error.failure, "unavailable");
  assert.equal(error.status, 502);
  assert.equal(received.length, 3);
});

test("a Retry-After longer than the client waits ends the retries at once and is passed on", async () => {
  reset(() => ({ status: 503, headers: { "retry-after": "120" }, body: { error: "maintenance" } }));
  const error = await uploadInventory({ url: base, token }, inventory, fast).catch((caught: unknown) => caught);
  assert.ok(error instanceof UploadError);
  assert.equal(error.retryAfterMs, 120_000);
  assert.match(error.message, /retry after 120 s/);
  assert.equal(received.length, 1);
});

test("a server that is not there is 'unavailable' after the retries", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const address = closed.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise((resolve) => closed.close(resolve));
  const uploader = new Uploader({ url: `http://127.0.0.1:${address.port}`, token }, { retry: { baseDelayMs: 5 } });
  try {
    const error = await uploader.upload(inventory).catch((caught: unknown) => caught);
    assert.ok(error instanceof UploadError);
    assert.equal(error.failure, "unavailable");
    assert.match(error.message, /cannot upload to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/inventories/);
  } finally {
    await uploader.close();
  }
});

test("HTTP_PROXY is honoured for hosts that are not loopback", async () => {
  reset(() => ({ status: 201, body: accepted }));
  const tunnels: string[] = [];
  const proxy = createServer();
  proxy.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) => {
    tunnels.push(request.url ?? "");
    const target = new URL(base);
    const upstream = connect(Number(target.port), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  assert.ok(address !== null && typeof address === "object");
  try {
    const receipt = await uploadInventory({ url: "http://strata-backend.invalid:8080", token }, inventory, {
      env: { HTTP_PROXY: `http://127.0.0.1:${address.port}`, NO_PROXY: "" },
      ...fast,
    });
    assert.equal(receipt.id, accepted.id);
    assert.deepEqual(tunnels, ["strata-backend.invalid:8080"]);
    assert.equal(received[0]?.authorization, `Bearer ${token}`);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test("bad targets are refused before anything is sent, without echoing the token", () => {
  assert.equal(
    uploadEndpoint({ url: "https://strata.example/base", token }).href,
    "https://strata.example/base/api/v1/inventories",
  );
  assert.equal(
    uploadEndpoint({ url: "https://strata.example", token }).href,
    "https://strata.example/api/v1/inventories",
  );
  assert.throws(() => uploadEndpoint({ url: "strata.example", token }), /is not a URL/);
  assert.throws(() => uploadEndpoint({ url: "ftp://strata.example", token }), /http:\/\/ or https:\/\//);
  assert.throws(() => uploadEndpoint({ url: "https://me:pw@strata.example", token }), /must not hold credentials/);
  assert.throws(() => uploadEndpoint({ url: "https://strata.example", token: "" }), /no upload token/);
  const bad = "secret\nInjected: yes";
  assert.throws(
    () => uploadEndpoint({ url: "https://strata.example", token: bad }),
    (error: unknown) =>
      error instanceof Error && /cannot carry/.test(error.message) && !error.message.includes("secret"),
  );
});

test("a stop while the request is in flight ends it at once", async () => {
  reset(() => ({ status: 201, body: accepted }));
  const slow = createServer((request) => {
    request.resume(); // never answers
  });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  const address = slow.address();
  assert.ok(address !== null && typeof address === "object");
  const uploader = new Uploader({ url: `http://127.0.0.1:${address.port}`, token }, fast);
  const controller = new AbortController();
  try {
    const pending = uploader.upload(inventory, controller.signal);
    setTimeout(() => {
      controller.abort();
    }, 100);
    const started = Date.now();
    await assert.rejects(pending, { name: "AbortError" });
    assert.ok(Date.now() - started < 2000);
  } finally {
    await uploader.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  }
});
