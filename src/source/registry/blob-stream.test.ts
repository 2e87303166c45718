/**
 * ResumableBlob against a small blob server on 127.0.0.1 that misbehaves on purpose where docker-registry
 * never would: a resumed answer for the wrong range, an error status on the resume, a body that ends short.
 * The happy paths run against the real registry in test/registry/blob-resume.test.ts.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { after, test } from "node:test";
import { InputError, SourceError } from "../../errors.ts";
import { parseContentRange, ResumableBlob } from "./blob-stream.ts";
import { HttpTransport } from "./http.ts";

const blob = randomBytes(256 * 1024);
const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
const half = blob.length / 2;

type Handler = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

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

/** The first answer sends half the blob and resets the connection; later ones are up to `handler`. */
async function serve(handler: Handler): Promise<{ url: URL; ranges: (string | undefined)[] }> {
  const ranges: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    ranges.push(request.headers.range);
    if (ranges.length === 1) {
      response.writeHead(200, { "content-length": String(blob.length) });
      response.write(blob.subarray(0, half), () => {
        setTimeout(() => response.socket?.resetAndDestroy(), 30);
      });
      return;
    }
    handler(request, response, ranges.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { url: new URL(`http://127.0.0.1:${address.port}/blob`), ranges };
}

async function download(url: URL, size: number | undefined = blob.length): Promise<Buffer> {
  const http = new HttpTransport({ env: {}, retry: { attempts: 3, baseDelayMs: 5 } });
  try {
    const first = await http.send(url);
    const stream: Readable = new ResumableBlob(first.body, {
      what: "the test blob",
      digest,
      size,
      reopen: (offset) => http.send(url, offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      maxBreaks: 2,
      delayMs: () => 5,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await http.close();
  }
}

function sendRange(response: ServerResponse, start: number): void {
  response.writeHead(206, {
    "content-range": `bytes ${start}-${blob.length - 1}/${blob.length}`,
    "content-length": String(blob.length - start),
  });
  response.end(blob.subarray(start));
}

test("a resumed answer for the asked range completes the blob", async () => {
  const { url, ranges } = await serve((request, response) => {
    sendRange(response, Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0));
  });
  assert.ok((await download(url)).equals(blob));
  assert.equal(ranges[0], undefined);
  assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
});

test("the size comes from the first answer when the caller knows none", async () => {
  const { url } = await serve((request, response) => {
    sendRange(response, Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0));
  });
  assert.ok((await download(url, undefined)).equals(blob));
});

test("a resumed answer that starts elsewhere is refused", async () => {
  const { url } = await serve((_request, response) => {
    sendRange(response, 10);
  });
  await assert.rejects(
    download(url),
    (error: unknown) =>
      error instanceof SourceError &&
      /^the test blob: asked to resume at byte \d+, the registry sent the range bytes 10-/.test(error.message),
  );
});

test("an error status on the resume ends the download with it", async () => {
  const { url } = await serve((_request, response) => {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown" }] }));
  });
  await assert.rejects(
    download(url),
    (error: unknown) =>
      error instanceof SourceError &&
      /^the test blob, resumed at byte \d+: 404 Not Found \(BLOB_UNKNOWN: blob unknown\)/.test(error.message),
  );
});

test("more bytes than the manifest says are refused", async () => {
  const { url } = await serve((request, response) => {
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0);
    response.writeHead(206, { "content-range": `bytes ${start}-${blob.length}/*` });
    response.end(Buffer.concat([blob.subarray(start), Buffer.from("!")]));
  });
  await assert.rejects(
    download(url),
    (error: unknown) =>
      error instanceof InputError &&
      error.message === `the test blob is longer than the ${blob.length} bytes the manifest says`,
  );
});

test("a total in Content-Range that is not the blob's size is refused", async () => {
  const { url } = await serve((request, response) => {
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? "")?.[1] ?? 0);
    response.writeHead(206, { "content-range": `bytes ${start}-${blob.length - 1}/${blob.length + 7}` });
    response.end(blob.subarray(start));
  });
  await assert.rejects(download(url), /asked to resume at byte \d+, the registry sent the range bytes \d+-\d+\/262151/);
});

test("Content-Range values", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/200"), { start: 100, total: 200 });
  assert.deepEqual(parseContentRange("bytes 5-9/*"), { start: 5 });
  assert.equal(parseContentRange("bytes */200"), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});
