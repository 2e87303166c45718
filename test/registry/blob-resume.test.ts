/**
 * Blob downloads that break: Debian's docker-registry behind a proxy that resets the connection in the middle
 * of a layer, ignores Range headers, or changes a byte. Each download is checked against the layer's digest.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { InputError, SourceError } from "../../src/errors.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import { RegistryClient } from "../../src/source/registry/client.ts";
import { openRegistrySource } from "../../src/source/registry/registry-source.ts";
import { writeOciArchive } from "../image-builder/index.ts";
import { pushArchive, registrySkipReason, type RunningRegistry, startRegistry } from "./docker-registry.ts";
import { type ProxyLogEntry, type RegistryProxy, startRegistryProxy } from "./registry-proxy.ts";

const skip = await registrySkipReason();
const scratch = await mkdtemp(join(tmpdir(), "strata-blob-resume-"));
after(() => rm(scratch, { recursive: true, force: true }));

const cutAfter = 300_000;
const archive = join(scratch, "big.tar");
await writeOciArchive(
  {
    architecture: "amd64",
    layers: [
      {
        files: {
          "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
          "var/lib/dpkg/status":
            "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1\n",
        },
      },
      {
        // Random bytes do not compress: the blob is as big as the file, well past the cut.
        compression: "none",
        files: {
          "opt/blob.bin": randomBytes(768 * 1024),
          "app/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
        },
      },
    ],
  },
  archive,
);

const isolated = { env: {}, dockerConfig: false, retry: { baseDelayMs: 10 } };
const now = new Date("2026-01-01T00:00:00Z");

async function scan(reference: string, verifyDigests = true): Promise<Inventory> {
  const source = await openRegistrySource(reference, isolated);
  try {
    return await scanImage(source, { now, verifyDigests });
  } finally {
    await source.close();
  }
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

describe("blob downloads that break mid-way", { skip }, () => {
  let registry: RunningRegistry;
  let proxy: RegistryProxy;
  let direct: Inventory;
  let big = { digest: "", size: 0 };
  before(async () => {
    registry = await startRegistry();
    await pushArchive(archive, `${registry.host}/strata/big:1`);
    direct = await scan(`${registry.host}/strata/big:1`);
    const layer = direct.layers[1];
    assert.ok(layer !== undefined && layer.size > 2 * cutAfter, "the second layer is big enough to cut");
    big = { digest: layer.digest, size: layer.size };
    proxy = await startRegistryProxy(registry.host);
  });
  after(async () => {
    await proxy.stop();
    await registry.stop();
  });

  const blobRequests = (from: number): ProxyLogEntry[] =>
    proxy.log.slice(from).filter((entry) => entry.method === "GET" && entry.path.endsWith(`/blobs/${big.digest}`));

  async function openBig(): Promise<{ client: RegistryClient; stream: Readable }> {
    const client = await RegistryClient.connect(proxy.host, isolated);
    return { client, stream: await client.openBlob("strata/big", big.digest, big.size) };
  }

  test("a reset connection resumes with Range from the last byte read; the bytes match the digest", async () => {
    proxy.rules = { cut: { digest: big.digest, afterBytes: cutAfter, times: 1 } };
    const from = proxy.log.length;
    const { client, stream } = await openBig();
    try {
      assert.equal(await sha256Of(stream), big.digest);
    } finally {
      await client.close();
    }
    const [first, resumed, ...rest] = blobRequests(from);
    assert.deepEqual(rest, []);
    assert.equal(first?.status, 200);
    assert.equal(first.range, undefined);
    assert.equal(resumed?.status, 206);
    const start = Number(/^bytes=(\d+)-$/.exec(resumed.range ?? "")?.[1]);
    assert.ok(start > 0 && start <= cutAfter, `resumed at ${resumed.range ?? "(no range)"}`);
  });

  test("a scan through a broken connection gives what the unbroken scan gives", async () => {
    proxy.rules = { cut: { digest: big.digest, afterBytes: cutAfter, times: 1 } };
    const from = proxy.log.length;
    const resumed = await scan(`${proxy.host}/strata/big:1`);
    assert.deepEqual(resumed.issues, []);
    assert.deepEqual(resumed.layers, direct.layers);
    assert.deepEqual(resumed.packages, direct.packages);
    assert.ok(resumed.packages.some((pkg) => pkg.name === "left-pad"));
    assert.deepEqual(
      blobRequests(from).map((entry) => entry.status),
      [200, 206],
    );
  });

  test("a registry that ignores Range sends the whole blob again: its start is dropped, the rest read on", async () => {
    proxy.rules = { cut: { digest: big.digest, afterBytes: cutAfter, times: 1 }, ignoreRanges: true };
    const from = proxy.log.length;
    const { client, stream } = await openBig();
    try {
      assert.equal(await sha256Of(stream), big.digest);
    } finally {
      await client.close();
    }
    const [first, restarted] = blobRequests(from);
    assert.equal(first?.status, 200);
    assert.equal(restarted?.status, 200);
    assert.match(restarted.range ?? "", /^bytes=\d+-$/);
  });

  test("a byte changed after the resume: the pieced-together blob fails its digest, even without the scan's check", async () => {
    const rules = {
      cut: { digest: big.digest, afterBytes: cutAfter, times: 1 },
      flip: { digest: big.digest, offset: cutAfter + 100_000, response: 1 },
    };
    proxy.rules = rules;
    const { client, stream } = await openBig();
    try {
      await assert.rejects(
        sha256Of(stream),
        (error: unknown) =>
          error instanceof InputError &&
          new RegExp(`blob ${big.digest} of .*: pieced together after a broken connection, it has digest sha256:`).test(
            error.message,
          ),
      );
    } finally {
      await client.close();
    }
    proxy.rules = rules;
    const unchecked = await scan(`${proxy.host}/strata/big:1`, false);
    assert.equal(unchecked.issues.length, 1);
    assert.match(unchecked.issues[0]?.message ?? "", /pieced together after a broken connection/);
  });

  test("a restarted blob whose start differs from what was read is refused", async () => {
    proxy.rules = {
      cut: { digest: big.digest, afterBytes: cutAfter, times: 1 },
      ignoreRanges: true,
      flip: { digest: big.digest, offset: 1000, response: 1 },
    };
    const { client, stream } = await openBig();
    try {
      await assert.rejects(sha256Of(stream), /sent again from the start, its first \d+ bytes differ/);
    } finally {
      await client.close();
    }
  });

  test("a connection that breaks every time at the same byte: a SourceError once the retries are spent", async () => {
    // Without ranges every answer starts from byte 0 and breaks before passing the first break: no progress.
    proxy.rules = { cut: { digest: big.digest, afterBytes: cutAfter, times: 1000 }, ignoreRanges: true };
    const from = proxy.log.length;
    const client = await RegistryClient.connect(proxy.host, { ...isolated, retry: { attempts: 3, baseDelayMs: 10 } });
    try {
      const stream = await client.openBlob("strata/big", big.digest, big.size);
      await assert.rejects(
        sha256Of(stream),
        (error: unknown) =>
          error instanceof SourceError && /the download broke at byte \d+ 3 times in a row/.test(error.message),
      );
    } finally {
      await client.close();
    }
    assert.equal(blobRequests(from).length, 3);
  });
});

test("the blob resume tests say why they skip", {
  skip: skip === undefined ? "the tools are installed" : false,
}, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
