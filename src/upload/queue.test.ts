import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type QueueEntry, UploadQueue } from "./queue.ts";
import { UploadError, type UploadReceipt } from "./upload.ts";

let work = "";
let count = 0;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-queue-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  count++;
  return join(work, `queue-${count}`);
}

const receipt: UploadReceipt = { id: "sha256:x", created: true, packages: 0, findings: 0, attempts: 1 };
const bytes = (text: string): Buffer => Buffer.from(text);

function recorder(): { sent: string[]; send: (body: Uint8Array) => Promise<UploadReceipt> } {
  const sent: string[] = [];
  return {
    sent,
    send: (body) => {
      sent.push(Buffer.from(body).toString());
      return Promise.resolve(receipt);
    },
  };
}

test("entries are whole files named <time>-<random>.json.gz, sent oldest first and deleted once delivered", async () => {
  const dir = await freshDir();
  const delivered: QueueEntry[] = [];
  const queue = await UploadQueue.open(dir, {}, { onDelivered: (entry) => delivered.push(entry) });
  const first = await queue.enqueue(bytes("one"));
  await queue.enqueue(bytes("two"));
  await queue.enqueue(bytes("three"));
  assert.match(first.name, /^\d{15}-[0-9a-f]{12}\.json\.gz$/);
  assert.equal(await readFile(join(dir, first.name), "utf8"), "one");
  const { sent, send } = recorder();
  const result = await queue.drain(send);
  assert.deepEqual(sent, ["one", "two", "three"]);
  assert.deepEqual(result, { busy: false, delivered: 3, rejected: 0, remaining: 0 });
  assert.equal(delivered.length, 3);
  assert.deepEqual((await readdir(dir)).sort(), ["rejected"]);
});

test("a permanent rejection moves the entry to rejected/ with the reason; the others still go", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  await queue.enqueue(bytes("good"));
  const bad = await queue.enqueue(bytes("bad"));
  await queue.enqueue(bytes("good again"));
  const sent: string[] = [];
  const result = await queue.drain((body) => {
    const text = Buffer.from(body).toString();
    sent.push(text);
    if (text === "bad") {
      return Promise.reject(
        new UploadError("http://x/api/v1/inventories rejected the inventory: 400 Bad Request: invalid inventory", {
          failure: "rejected",
          status: 400,
        }),
      );
    }
    return Promise.resolve(receipt);
  });
  assert.deepEqual(sent, ["good", "bad", "good again"]);
  assert.deepEqual(result, { busy: false, delivered: 2, rejected: 1, remaining: 0 });
  const rejected = await queue.rejected();
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0]?.name, bad.name);
  assert.match(rejected[0]?.reason ?? "", /^\d{4}-\d\d-\d\dT\S+ 400 .*invalid inventory$/);
  assert.equal(await readFile(join(dir, "rejected", bad.name), "utf8"), "bad");
});

test("an unavailable server or a refused token stops the drain and keeps every entry", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  await queue.enqueue(bytes("a"));
  await queue.enqueue(bytes("b"));
  for (const failure of ["unavailable", "unauthorized"] as const) {
    let calls = 0;
    const result = await queue.drain(() => {
      calls++;
      return Promise.reject(new UploadError(`cannot upload: ${failure}`, { failure }));
    });
    assert.equal(calls, 1);
    assert.equal(result.remaining, 2);
    assert.equal(result.stoppedBy?.failure, failure);
  }
  const { sent, send } = recorder();
  await queue.drain(send);
  assert.deepEqual(sent, ["a", "b"]);
});

test("the queue is bounded: the oldest entries are dropped, with a warning for each", async () => {
  const dir = await freshDir();
  const dropped: string[] = [];
  const queue = await UploadQueue.open(
    dir,
    { maxEntries: 3, maxBytes: 10 },
    {
      onDropped: (entry, why) => dropped.push(`${entry.size}: ${why}`),
    },
  );
  for (const text of ["1", "2", "3", "4"]) await queue.enqueue(bytes(text));
  assert.deepEqual(dropped, ["1: the queue holds more than 3 entries"]);
  await queue.enqueue(bytes("123456789"));
  assert.deepEqual(dropped, [
    "1: the queue holds more than 3 entries",
    "1: the queue holds more than 3 entries",
    "1: the queue holds more than 10 bytes",
  ]);
  const { sent, send } = recorder();
  await queue.drain(send);
  assert.deepEqual(sent, ["4", "123456789"]);
  await assert.rejects(queue.enqueue(bytes("x".repeat(11))), /does not fit in the queue's 10-byte limit/);
});

test("temporary files of crashed writers are never sent and are cleaned up", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  await queue.enqueue(bytes("whole"));
  const dead = await deadPid();
  await writeFile(join(dir, `.tmp-${dead}-0123456789ab`), "half of an entr");
  await writeFile(join(dir, `.tmp-${process.pid}-0123456789ab`), "being written by us");
  assert.equal((await queue.entries()).length, 1);
  await UploadQueue.open(dir);
  const names = await readdir(dir);
  assert.ok(!names.includes(`.tmp-${dead}-0123456789ab`), "the dead writer's file is removed");
  assert.ok(names.includes(`.tmp-${process.pid}-0123456789ab`), "a live writer's file is left alone");
  const { sent, send } = recorder();
  await queue.drain(send);
  assert.deepEqual(sent, ["whole"]);
});

test("two drains at once send each entry once", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  for (const text of ["a", "b", "c"]) await queue.enqueue(bytes(text));
  const sent: string[] = [];
  const slowSend = async (body: Uint8Array): Promise<UploadReceipt> => {
    sent.push(Buffer.from(body).toString());
    await new Promise((resolve) => setTimeout(resolve, 20));
    return receipt;
  };
  const other = await UploadQueue.open(dir);
  const [one, two] = await Promise.all([queue.drain(slowSend), other.drain(slowSend)]);
  assert.deepEqual(sent, ["a", "b", "c"]);
  assert.deepEqual([one.busy, two.busy].sort(), [false, true]);
});

const lockModule = fileURLToPath(new URL("./lock.ts", import.meta.url));

test("another process holding the lock keeps this one from sending; once it is killed, the lock is taken over", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  await queue.enqueue(bytes("only once"));
  const holder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { tryLock } = await import(${JSON.stringify(lockModule)});
       const lock = await tryLock(${JSON.stringify(join(dir, ".lock"))});
       process.stdout.write(lock ? "locked\\n" : "busy\\n");
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const said = await new Promise<string>((resolve) => {
      holder.stdout.once("data", (chunk: Buffer) => {
        resolve(String(chunk));
      });
    });
    assert.equal(said.trim(), "locked");
    const { sent, send } = recorder();
    const blocked = await queue.drain(send);
    assert.deepEqual(blocked, { busy: true, delivered: 0, rejected: 0, remaining: 1 });
    assert.deepEqual(sent, []);
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    const result = await queue.drain(send);
    assert.equal(result.delivered, 1);
    assert.deepEqual(sent, ["only once"]);
  } finally {
    holder.kill("SIGKILL");
  }
});

test("a lock from another host that nobody touches any more is taken over", async () => {
  const dir = await freshDir();
  const queue = await UploadQueue.open(dir);
  await queue.enqueue(bytes("x"));
  const lock = join(dir, ".lock");
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: "elsewhere", token: "t" }));
  const { sent, send } = recorder();
  assert.equal((await queue.drain(send)).busy, true, "a fresh lock from elsewhere is respected");
  const old = new Date(Date.now() - 5 * 60_000);
  await utimes(lock, old, old);
  assert.equal((await queue.drain(send)).delivered, 1);
  assert.deepEqual(sent, ["x"]);
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}
