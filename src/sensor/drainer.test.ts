import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { UploadQueue } from "../upload/queue.ts";
import { Uploader } from "../upload/upload.ts";
import { Drainer } from "./drainer.ts";
import { sensorLogger } from "./log.ts";

let work = "";
let server: Server;
let url = "";
let statuses: number[] = [];
let received = 0;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-drainer-"));
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const status = statuses.shift() ?? 201;
      if (status === 201) received++;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(
        JSON.stringify(
          status === 201 ? { id: "sha256:x", created: true, packages: 1, findings: 0 } : { error: "busy" },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  url = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

function collector(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parsed: unknown = JSON.parse(chunk.toString("utf8"));
      if (typeof parsed === "object" && parsed !== null) lines.push({ ...parsed });
      done();
    },
  });
  return { lines, stream };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("an idle drainer sends an entry as soon as it is woken, and backs off while the backend answers 503", async () => {
  statuses = [];
  received = 0;
  const queue = await UploadQueue.open(join(work, "wake"));
  const uploader = new Uploader({ url, token: "strata_t" }, { retry: { attempts: 1 } });
  const { lines, stream } = collector();
  const drainer = new Drainer(queue, uploader, sensorLogger("debug", stream), { baseMs: 50 });
  const controller = new AbortController();
  const running = drainer.run(controller.signal);
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.enqueue(Buffer.from("one"));
    const woken = Date.now();
    drainer.wake();
    await until(() => received === 1);
    assert.ok(Date.now() - woken < 2000);

    statuses = [503, 503];
    await queue.enqueue(Buffer.from("two"));
    drainer.wake();
    await until(() => received === 2);
    const deferred = lines.filter((line) => line["event"] === "upload-deferred");
    assert.equal(deferred.length, 2);
    assert.equal(deferred[0]?.["failure"], "unavailable");
    assert.deepEqual(await queue.entries(), []);
  } finally {
    controller.abort();
    await running;
    await uploader.close();
  }
});

test("flush gives up at its deadline and says how many entries are left", async () => {
  const queue = await UploadQueue.open(join(work, "flush"));
  const uploader = new Uploader({ url: "http://127.0.0.1:9", token: "strata_t" }, { retry: { baseDelayMs: 20 } });
  const drainer = new Drainer(queue, uploader, sensorLogger("silent"), { baseMs: 20 });
  await queue.enqueue(Buffer.from("a"));
  await queue.enqueue(Buffer.from("b"));
  const started = Date.now();
  try {
    assert.equal(await drainer.flush(500, new AbortController().signal), 2);
    assert.ok(Date.now() - started < 3000);
  } finally {
    await uploader.close();
  }
});
