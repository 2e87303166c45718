/**
 * crawlRegistry against Debian's docker-registry: repositories and tags pushed with skopeo (some sharing a
 * digest), catalog and tag pages of two, filters, `seen`, failures of one repository or tag, HEADs without
 * Docker-Content-Digest, the concurrency bound, aborting, and htpasswd authentication. A proxy in front of the
 * registry logs the requests. The expected digests come from `skopeo inspect --raw`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { InputError, SourceError } from "../../src/errors.ts";
import {
  type CrawledImage,
  type CrawlFailure,
  type CrawlOptions,
  crawlRegistry,
} from "../../src/source/registry/crawl.ts";
import { openRegistrySource } from "../../src/source/registry/registry-source.ts";
import { type TestImage, writeOciArchive } from "../image-builder/index.ts";
import { pushArchive, registrySkipReason, type RunningRegistry, startRegistry, type User } from "./docker-registry.ts";
import { type RegistryProxy, startRegistryProxy } from "./registry-proxy.ts";

const run = promisify(execFile);
const skip = await registrySkipReason(["htpasswd"]);
const scratch = await mkdtemp(join(tmpdir(), "strata-crawl-"));
after(() => rm(scratch, { recursive: true, force: true }));

function image(marker: string, architecture = "amd64"): TestImage {
  return {
    architecture,
    layers: [{ files: { "etc/os-release": 'ID=debian\nVERSION_ID="12"\n', "etc/marker": marker } }],
  };
}

const archives = { a: join(scratch, "a.tar"), b: join(scratch, "b.tar"), c: join(scratch, "c.tar") };
const multiArchive = join(scratch, "multi.tar");
await writeOciArchive(image("a"), archives.a);
await writeOciArchive(image("b"), archives.b);
await writeOciArchive(image("c"), archives.c);
await writeOciArchive({ platforms: [image("m", "amd64"), image("m", "arm64")] }, multiArchive);

/** What the registry holds, by repository:tag → which image. */
const pushes: [string, keyof typeof archives | "multi"][] = [
  ["alpha/app:1", "a"],
  ["alpha/app:latest", "a"],
  ["alpha/app:2", "b"],
  ["beta/tool:1.0", "c"],
  ["beta/tool:1.1", "b"],
  ["beta/tool:dev", "c"],
  ["delta/multi:1", "multi"],
  ["gamma:x", "a"],
];

const isolated = { env: {}, dockerConfig: false, retry: { baseDelayMs: 10 } };

async function rawDigest(reference: string): Promise<string> {
  const { stdout } = await run("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${reference}`], {
    encoding: "buffer",
  });
  return `sha256:${createHash("sha256").update(stdout).digest("hex")}`;
}

async function crawl(registry: string, options: CrawlOptions = {}): Promise<CrawledImage[]> {
  const found: CrawledImage[] = [];
  for await (const crawled of crawlRegistry(registry, { ...isolated, ...options })) found.push(crawled);
  return found;
}

/** repository, first tag, all tags, digest: the fields a test compares. */
function summary(found: CrawledImage[]): [string, string, string[], string][] {
  return found.map((entry) => [entry.repository, entry.tag, entry.tags, entry.digest]);
}

describe("crawling a registry without authentication", { skip }, () => {
  let registry: RunningRegistry;
  let proxy: RegistryProxy;
  const digest = { a: "", b: "", c: "", multi: "" };
  before(async () => {
    registry = await startRegistry();
    for (const [target, which] of pushes) {
      await pushArchive(which === "multi" ? multiArchive : archives[which], `${registry.host}/${target}`, {
        all: which === "multi",
      });
    }
    digest.a = await rawDigest(`${registry.host}/alpha/app:1`);
    digest.b = await rawDigest(`${registry.host}/alpha/app:2`);
    digest.c = await rawDigest(`${registry.host}/beta/tool:1.0`);
    digest.multi = await rawDigest(`${registry.host}/delta/multi:1`);
    proxy = await startRegistryProxy(registry.host);
  });
  after(async () => {
    await proxy.stop();
    await registry.stop();
  });

  const everything = (): [string, string, string[], string][] => [
    ["alpha/app", "1", ["1", "latest"], digest.a],
    ["alpha/app", "2", ["2"], digest.b],
    ["beta/tool", "1.0", ["1.0", "dev"], digest.c],
    ["delta/multi", "1", ["1"], digest.multi],
  ];

  test("every digest once, over catalog and tag pages of two; each reference opens", async () => {
    proxy.rules = {};
    const from = proxy.log.length;
    const found = await crawl(proxy.host, { pageSize: 2 });
    assert.equal(new Set(Object.values(digest)).size, 4, "the four images have four digests");
    assert.deepEqual(summary(found), everything());
    const paths = proxy.log.slice(from).map((entry) => entry.path);
    const catalogPages = paths.filter((path) => path.startsWith("/v2/_catalog"));
    assert.ok(catalogPages.length >= 2, `catalog pages: ${catalogPages.join(" ")}`);
    assert.ok(catalogPages.every((path) => /[?&]n=2\b/.test(path)));
    assert.ok(catalogPages.some((path) => /[?&]last=/.test(path)));
    // docker-registry 2.8 answers every tag at once, whatever `n` asks for; the client asks all the same.
    assert.deepEqual(
      paths.filter((path) => path.startsWith("/v2/alpha/app/tags/list")),
      ["/v2/alpha/app/tags/list?n=2"],
    );
    assert.ok(proxy.log.slice(from).some((entry) => entry.method === "HEAD" && entry.path === "/v2/gamma/manifests/x"));
    for (const entry of found) {
      assert.equal(entry.reference, `${proxy.host}/${entry.repository}@${entry.digest}`);
      const source = await openRegistrySource(entry.reference, isolated);
      try {
        assert.equal(source.layers.length, 1);
        if (entry.digest !== digest.multi) assert.equal(source.description.manifestDigest, entry.digest);
      } finally {
        await source.close();
      }
    }
  });

  test("repository and tag globs", async () => {
    proxy.rules = {};
    assert.deepEqual(summary(await crawl(proxy.host, { pageSize: 2, repositories: ["alpha/*"], tags: ["1*"] })), [
      ["alpha/app", "1", ["1"], digest.a],
    ]);
    // `*` stays within one path component; `**` crosses them.
    assert.deepEqual(summary(await crawl(proxy.host, { repositories: ["*"] })), [["gamma", "x", ["x"], digest.a]]);
    assert.deepEqual(summary(await crawl(proxy.host, { repositories: ["**/tool"], tags: ["1.?"] })), [
      ["beta/tool", "1.0", ["1.0"], digest.c],
      ["beta/tool", "1.1", ["1.1"], digest.b],
    ]);
  });

  test("plain repository names skip the catalog; an unknown one is reported and the crawl goes on", async () => {
    proxy.rules = {};
    const from = proxy.log.length;
    const failures: CrawlFailure[] = [];
    const found = await crawl(proxy.host, {
      repositories: ["nope/absent", "beta/tool"],
      onError: (failure) => failures.push(failure),
    });
    assert.deepEqual(summary(found), [
      ["beta/tool", "1.0", ["1.0", "dev"], digest.c],
      ["beta/tool", "1.1", ["1.1"], digest.b],
    ]);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.repository, "nope/absent");
    assert.equal(failures[0].tag, undefined);
    assert.ok(failures[0].error instanceof SourceError);
    assert.match(failures[0].error.message, /404 Not Found \(NAME_UNKNOWN/);
    assert.ok(!proxy.log.slice(from).some((entry) => entry.path.startsWith("/v2/_catalog")));
  });

  test("seen: asked once per digest, and what it has seen is left out", async () => {
    proxy.rules = {};
    const asked: string[] = [];
    const found = await crawl(proxy.host, {
      seen: async (candidate) => {
        asked.push(candidate);
        await new Promise((resolve) => setImmediate(resolve));
        return candidate === digest.a || candidate === digest.multi;
      },
    });
    assert.deepEqual(asked, [digest.a, digest.b, digest.c, digest.multi]);
    assert.deepEqual(summary(found), [
      ["alpha/app", "2", ["2"], digest.b],
      ["beta/tool", "1.0", ["1.0", "dev"], digest.c],
    ]);
  });

  test("manifest HEADs without Docker-Content-Digest: the digest of a GET's bytes", async () => {
    proxy.rules = { hideDigestOnHead: true };
    const from = proxy.log.length;
    assert.deepEqual(summary(await crawl(proxy.host, { pageSize: 2 })), everything());
    const gets = proxy.log.slice(from).filter((entry) => entry.method === "GET" && entry.path.includes("/manifests/"));
    assert.equal(gets.length, pushes.length);
  });

  test("a refused repository (403) or tag (404) is reported through onError, and the rest is crawled", async () => {
    proxy.rules = { refuse: { "/v2/beta/tool/tags/list": 403, "/v2/alpha/app/manifests/latest": 404 } };
    const failures: CrawlFailure[] = [];
    const found = await crawl(proxy.host, { onError: (failure) => failures.push(failure) });
    assert.deepEqual(summary(found), [
      ["alpha/app", "1", ["1"], digest.a],
      ["alpha/app", "2", ["2"], digest.b],
      ["delta/multi", "1", ["1"], digest.multi],
    ]);
    assert.deepEqual(
      failures.map((failure) => [failure.repository, failure.tag, failure.error.constructor.name]),
      [
        ["alpha/app", "latest", "SourceError"],
        ["beta/tool", undefined, "SourceError"],
      ],
    );
    assert.match(failures[1]?.error.message ?? "", /the tags of .*beta\/tool: 403 Forbidden \(DENIED/);
  });

  test("concurrency bounds the requests in flight", async () => {
    for (const [concurrency, most] of [
      [1, 1],
      [2, 2],
    ] as const) {
      const slow = await startRegistryProxy(registry.host, { delayMs: 30 });
      try {
        assert.deepEqual(summary(await crawl(slow.host, { concurrency, pageSize: 2 })), everything());
        assert.equal(slow.maxInFlight(), most, `concurrency ${concurrency}`);
      } finally {
        await slow.stop();
      }
    }
    await assert.rejects(crawl(proxy.host, { concurrency: 0 }), InputError);
  });

  test("an abort ends the crawl with the signal's reason; leaving early closes it quietly", async () => {
    proxy.rules = { delayMs: 20 };
    const controller = new AbortController();
    const found: CrawledImage[] = [];
    await assert.rejects(
      (async () => {
        for await (const crawled of crawlRegistry(proxy.host, { ...isolated, signal: controller.signal })) {
          found.push(crawled);
          controller.abort();
        }
      })(),
      (error: unknown) => error instanceof Error && error.name === "AbortError",
    );
    assert.equal(found.length, 1);
    const first: CrawledImage[] = [];
    for await (const crawled of crawlRegistry(proxy.host, isolated)) {
      first.push(crawled);
      break;
    }
    assert.deepEqual(summary(first), everything().slice(0, 1));
    // Requests still on their way when the crawl was left must not fail later, unhandled.
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
});

const alice: User = { username: "alice", password: "crawl-test-password" };

describe("crawling a registry with htpasswd authentication", { skip }, () => {
  let registry: RunningRegistry;
  before(async () => {
    registry = await startRegistry({ kind: "htpasswd", users: [alice] });
    await pushArchive(archives.a, `${registry.host}/private/one:1`, { user: alice });
    await pushArchive(archives.b, `${registry.host}/private/two:1`, { user: alice });
  });
  after(() => registry.stop());

  test("with credentials every repository is crawled; without, the catalog is refused", async () => {
    const credential = { kind: "basic" as const, ...alice, origin: "test" };
    const found = await crawl(registry.host, { credential, pageSize: 1 });
    assert.deepEqual(
      found.map((entry) => entry.reference),
      [
        `${registry.host}/private/one@${await rawDigestAs(`${registry.host}/private/one:1`)}`,
        `${registry.host}/private/two@${await rawDigestAs(`${registry.host}/private/two:1`)}`,
      ],
    );
    await assert.rejects(
      crawl(registry.host),
      (error: unknown) => error instanceof SourceError && /_catalog.*401 Unauthorized/.test(error.message),
    );
  });
});

async function rawDigestAs(reference: string): Promise<string> {
  const { stdout } = await run(
    "skopeo",
    [
      "inspect",
      "--raw",
      "--tls-verify=false",
      "--creds",
      `${alice.username}:${alice.password}`,
      `docker://${reference}`,
    ],
    { encoding: "buffer" },
  );
  return `sha256:${createHash("sha256").update(stdout).digest("hex")}`;
}

test("the crawl tests say why they skip", { skip: skip === undefined ? "the tools are installed" : false }, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
