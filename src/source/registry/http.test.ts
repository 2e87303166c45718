import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import { after, test } from "node:test";
import { SourceError } from "../../errors.ts";
import { HttpTransport, retryAfterMs } from "./http.ts";

const servers: Server[] = [];
after(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
});

async function serve(handler: RequestListener, host = "127.0.0.1"): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://${host}:${address.port}`;
}

function transport(retry = {}, timeouts = {}): HttpTransport {
  return new HttpTransport({ env: {}, retry: { baseDelayMs: 20, ...retry }, timeouts });
}

function isSourceError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SourceError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

test("503s are retried with backoff until the server answers", async () => {
  let hits = 0;
  const base = await serve((_request, response) => {
    hits += 1;
    response.statusCode = hits < 3 ? 503 : 200;
    response.end(hits < 3 ? "busy" : "done");
  });
  const http = transport();
  try {
    const response = await http.send(new URL("/v2/", base));
    assert.equal(response.status, 200);
    assert.equal(await response.body.text(), "done");
    assert.equal(hits, 3);
  } finally {
    await http.close();
  }
});

test("a 429 waits as long as Retry-After says", async () => {
  let hits = 0;
  const base = await serve((_request, response) => {
    hits += 1;
    if (hits === 1) response.writeHead(429, { "retry-after": "1" }).end();
    else response.end("ok");
  });
  const http = transport();
  try {
    const started = Date.now();
    const response = await http.send(new URL("/", base));
    await response.body.dump();
    assert.equal(response.status, 200);
    assert.ok(Date.now() - started >= 950, `waited only ${Date.now() - started} ms`);
  } finally {
    await http.close();
  }
});

test("a Retry-After beyond the longest wait ends the retries at once", async () => {
  let hits = 0;
  const base = await serve((_request, response) => {
    hits += 1;
    response.writeHead(429, { "retry-after": "120" }).end();
  });
  const http = transport({ maxDelayMs: 2000 });
  try {
    const started = Date.now();
    await assert.rejects(http.send(new URL("/", base)), isSourceError(/429; the server asks to retry after 120 s/));
    assert.equal(hits, 1);
    assert.ok(Date.now() - started < 1000);
  } finally {
    await http.close();
  }
});

test("retries are bounded: the last 500 is handed back after the last attempt", async () => {
  let hits = 0;
  const base = await serve((_request, response) => {
    hits += 1;
    response.statusCode = 500;
    response.end();
  });
  const http = transport({ attempts: 3 });
  try {
    const response = await http.send(new URL("/", base));
    await response.body.dump();
    assert.equal(response.status, 500);
    assert.equal(hits, 3);
  } finally {
    await http.close();
  }
});

test("redirects keep Authorization on the same host and drop it on another", async () => {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const storage = await serve((request, response) => {
    seen.push({ path: `storage${request.url ?? ""}`, headers: request.headers });
    response.end("blob bytes");
  }, "127.0.0.2");
  const registry = await serve((request, response) => {
    seen.push({ path: `registry${request.url ?? ""}`, headers: request.headers });
    if (request.url === "/v2/r/blobs/a") response.writeHead(307, { location: "/v2/r/blobs/b" }).end();
    else response.writeHead(302, { location: `${storage}/signed?x=1` }).end();
  });
  const http = transport();
  try {
    const response = await http.send(new URL("/v2/r/blobs/a", registry), {
      headers: { authorization: "Bearer secret-token" },
    });
    assert.equal(await response.body.text(), "blob bytes");
    assert.equal(response.url.href, `${storage}/signed?x=1`);
    assert.deepEqual(
      seen.map(({ path, headers }) => [path, headers.authorization]),
      [
        ["registry/v2/r/blobs/a", "Bearer secret-token"],
        ["registry/v2/r/blobs/b", "Bearer secret-token"],
        ["storage/signed?x=1", undefined],
      ],
    );
  } finally {
    await http.close();
  }
});

test("a redirect loop ends with a SourceError", async () => {
  const base = await serve((_request, response) => {
    response.writeHead(302, { location: "/again" }).end();
  });
  const http = transport();
  try {
    await assert.rejects(http.send(new URL("/start", base)), isSourceError(/more than 5 redirects/));
  } finally {
    await http.close();
  }
});

test("a server that never answers times out, is retried, then reported", async () => {
  let hits = 0;
  const base = await serve(() => {
    hits += 1;
  });
  const http = transport({ attempts: 2 }, { headersMs: 200 });
  try {
    const started = Date.now();
    await assert.rejects(
      http.send(new URL("/v2/", base)),
      isSourceError(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/v2\/: .*[Tt]imeout/),
    );
    assert.equal(hits, 2);
    assert.ok(Date.now() - started < 3000);
  } finally {
    await http.close();
  }
});

test("a refused connection is reported at once, without retries", async () => {
  const base = await serve((_request, response) => response.end());
  const server = servers.pop();
  await new Promise<void>((resolve) =>
    server?.close(() => {
      resolve();
    }),
  );
  const http = transport({ attempts: 4, baseDelayMs: 1000 });
  try {
    const started = Date.now();
    await assert.rejects(http.send(new URL("/v2/", base)), isSourceError(/cannot reach .*ECONNREFUSED/));
    assert.ok(Date.now() - started < 900);
  } finally {
    await http.close();
  }
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs("3", now), 3000);
  assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000);
  assert.equal(retryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  assert.equal(retryAfterMs("soon", now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});
