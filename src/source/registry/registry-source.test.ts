/**
 * Against Debian's real docker-registry on 127.0.0.1: without auth, with htpasswd (Basic) and with token
 * auth (Bearer, via the token server in test/registry). Images are built by test/image-builder, pushed with
 * skopeo, then scanned from the registry and compared with a scan of the same OCI archive on disk.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type TestImage, writeOciArchive } from "../../../test/image-builder/index.ts";
import {
  blobDataPath,
  pushArchive,
  registrySkipReason,
  type RunningRegistry,
  startRegistry,
  type User,
} from "../../../test/registry/docker-registry.ts";
import { InputError, SourceError } from "../../errors.ts";
import type { Inventory } from "../../model/inventory.ts";
import { scanImage } from "../../scan.ts";
import { openSource } from "../open.ts";
import type { ImageSource } from "../types.ts";
import { listRepositories, listTags } from "./listing.ts";
import { openRegistrySource, type RegistrySourceOptions } from "./registry-source.ts";

const skip = await registrySkipReason(["htpasswd", "openssl"]);
const now = new Date("2026-01-01T00:00:00Z");
const scratch = await mkdtemp(join(tmpdir(), "strata-registry-source-"));
after(() => rm(scratch, { recursive: true, force: true }));

function dpkgStatus(architecture: string, packages: [string, string][]): string {
  return packages
    .map(
      ([name, version]) =>
        `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: misc\nInstalled-Size: 10\n` +
        `Maintainer: Strata Tests <tests@strata.invalid>\nArchitecture: ${architecture}\nVersion: ${version}\n` +
        `Description: ${name} for registry tests\n`,
    )
    .join("\n");
}

function appImage(architecture: string, marker: string): TestImage {
  const base: [string, string][] = [
    ["base-files", "12.4+deb12u5"],
    ["libc6", "2.36-9+deb12u7"],
  ];
  return {
    architecture,
    ...(architecture === "arm64" ? { variant: "v8" } : {}),
    created: "2025-06-01T10:00:00Z",
    layers: [
      {
        createdBy: "ADD rootfs.tar /",
        files: {
          "etc/os-release": 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
          "var/lib/dpkg/status": dpkgStatus(architecture, base),
          "etc/marker": marker,
        },
      },
      {
        createdBy: "RUN apt-get install -y curl",
        emptyLayersBefore: ["ENV DEBIAN_FRONTEND=noninteractive"],
        compression: "zstd",
        files: { "var/lib/dpkg/status": dpkgStatus(architecture, [...base, ["curl", `7.88.1-10+${architecture}`]]) },
      },
      {
        createdBy: "COPY node_modules /app/node_modules",
        files: {
          "app/node_modules/left-pad/package.json": JSON.stringify({
            name: "left-pad",
            version: "1.3.0",
            license: "WTFPL",
          }),
          [`app/node_modules/${architecture}-only/package.json`]: JSON.stringify({
            name: `${architecture}-only`,
            version: "2.0.0",
          }),
        },
      },
    ],
  };
}

const singleArchive = join(scratch, "single.tar");
const multiArchive = join(scratch, "multi.tar");
const corruptArchive = join(scratch, "corrupt.tar");
await writeOciArchive(appImage("amd64", "single"), singleArchive);
await writeOciArchive({ platforms: [appImage("amd64", "multi"), appImage("arm64", "multi")] }, multiArchive);
await writeOciArchive(appImage("amd64", "to be corrupted"), corruptArchive);

const isolated: RegistrySourceOptions = { env: {}, dockerConfig: false };

async function scanOf(opening: Promise<ImageSource>): Promise<Inventory> {
  const source = await opening;
  try {
    return await scanImage(source, { now });
  } finally {
    await source.close();
  }
}

async function scanLocal(archive: string, platform?: string): Promise<Inventory> {
  return scanOf(openSource(`oci-archive:${archive}`, platform === undefined ? {} : { platform }));
}

/** Same packages, layers, distro and image digests: the registry adds nothing and loses nothing. */
function assertSameScan(remote: Inventory, local: Inventory): void {
  assert.ok(local.packages.length >= 5, "the local scan found the test packages");
  assert.deepEqual(remote.packages, local.packages);
  assert.deepEqual(remote.layers, local.layers);
  assert.deepEqual(remote.distro, local.distro);
  assert.deepEqual(remote.issues, local.issues);
  assert.equal(remote.image.manifestDigest, local.image.manifestDigest);
  assert.equal(remote.image.configDigest, local.image.configDigest);
  assert.deepEqual(remote.image.platform, local.image.platform);
  assert.equal(remote.image.created, local.image.created);
}

function sourceError(...patterns: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SourceError, String(error));
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

describe("a registry without authentication", { skip }, () => {
  let registry: RunningRegistry;
  let host = "";
  before(async () => {
    registry = await startRegistry();
    host = registry.host;
    await pushArchive(singleArchive, `${host}/strata/app:v1`);
    await pushArchive(singleArchive, `${host}/strata/app:v2`);
    await pushArchive(multiArchive, `${host}/strata/multi:1`, { all: true });
    await pushArchive(corruptArchive, `${host}/strata/corrupt:1`);
  });
  after(() => registry.stop());

  test("scanning from the registry gives what scanning the archive gives", async () => {
    const remote = await scanOf(openRegistrySource(`${host}/strata/app:v1`, isolated));
    assertSameScan(remote, await scanLocal(singleArchive));
    assert.equal(remote.image.kind, "registry");
    assert.equal(remote.image.reference, `${host}/strata/app:v1`);
    assert.deepEqual(remote.image.tags, [`${host}/strata/app:v1`]);
    assert.deepEqual(remote.packages.map((pkg) => `${pkg.name}@${pkg.layer.index}`).sort(), [
      "amd64-only@2",
      "base-files@0",
      "curl@1",
      "left-pad@2",
      "libc6@0",
    ]);
  });

  test("a digest reference, with the registry: prefix, reads the same image", async () => {
    const byTag = await scanOf(openRegistrySource(`${host}/strata/app:v2`, isolated));
    const digest = byTag.image.manifestDigest ?? "";
    const byDigest = await scanOf(openRegistrySource(`registry:${host}/strata/app@${digest}`, isolated));
    assertSameScan(byDigest, byTag);
    assert.deepEqual(byDigest.image.tags, []);
  });

  test("a multi-platform index: --platform chooses, linux/amd64 by default", async () => {
    const amd64 = await scanOf(openRegistrySource(`${host}/strata/multi:1`, isolated));
    assertSameScan(amd64, await scanLocal(multiArchive));
    assert.ok(amd64.packages.some((pkg) => pkg.name === "amd64-only"));
    const arm64 = await scanOf(openRegistrySource(`${host}/strata/multi:1`, { ...isolated, platform: "linux/arm64" }));
    assertSameScan(arm64, await scanLocal(multiArchive, "linux/arm64"));
    assert.deepEqual(arm64.image.platform, { os: "linux", architecture: "arm64", variant: "v8" });
    assert.ok(arm64.packages.some((pkg) => pkg.name === "arm64-only"));
    await assert.rejects(
      openRegistrySource(`${host}/strata/multi:1`, { ...isolated, platform: "linux/s390x" }),
      (error: unknown) =>
        error instanceof InputError &&
        /no image for linux\/s390x; available platforms: linux\/amd64, linux\/arm64\/v8/.test(error.message),
    );
    // a single-platform image is only checked against --platform
    await assert.rejects(
      openRegistrySource(`${host}/strata/app:v1`, { ...isolated, platform: "linux/arm64" }),
      InputError,
    );
  });

  test("an unknown tag or repository is a SourceError naming the manifest URL", async () => {
    await assert.rejects(
      openRegistrySource(`${host}/strata/app:nope`, isolated),
      sourceError(/404 Not Found/, /MANIFEST_UNKNOWN/, new RegExp(`http://${host}/v2/strata/app/manifests/nope`)),
    );
    await assert.rejects(
      openRegistrySource(`${host}/strata/absent:1`, isolated),
      sourceError(/404/, /NAME_UNKNOWN|MANIFEST_UNKNOWN/),
    );
  });

  test("listing: every repository through the catalog's pages, and a repository's tags", async () => {
    const everything = ["strata/app", "strata/corrupt", "strata/multi"];
    assert.deepEqual((await listRepositories(host, isolated)).sort(), everything);
    assert.deepEqual((await listRepositories(host, { ...isolated, pageSize: 1 })).sort(), everything);
    await assert.rejects(listRepositories(host, { ...isolated, pageSize: 1, maxEntries: 2 }), /more than 2 entries/);
    assert.deepEqual((await listTags(`${host}/strata/app`, { ...isolated, pageSize: 1 })).sort(), ["v1", "v2"]);
    await assert.rejects(listTags(`${host}/strata/absent`, isolated), sourceError(/404/));
  });

  test("a layer blob whose bytes do not match its digest is reported by the scan", async () => {
    const local = await scanLocal(corruptArchive);
    const victim = local.layers[0];
    assert.ok(victim !== undefined);
    // Byte 9 of a gzip stream only names the OS that wrote it: the layer still unpacks to the same tar,
    // so nothing but the digest check can notice.
    const handle = await open(blobDataPath(registry.storage, victim.digest), "r+");
    try {
      await handle.write(Buffer.from([0xff]), 0, 1, 9);
    } finally {
      await handle.close();
    }
    const remote = await scanOf(openRegistrySource(`${host}/strata/corrupt:1`, isolated));
    assert.deepEqual(
      remote.issues.map((issue) => [issue.severity, issue.scope, issue.layer?.index]),
      [["error", "layer", 0]],
    );
    assert.match(remote.issues[0]?.message ?? "", new RegExp(`does not match the manifest's ${victim.digest}`));
    assert.deepEqual(remote.packages, local.packages);
  });
});

const alice: User = { username: "alice", password: "correct horse battery staple" };
const wrong = "Tr0ub4dor&3-not-it";

describe("a registry with htpasswd (Basic) authentication", { skip }, () => {
  let registry: RunningRegistry;
  let host = "";
  before(async () => {
    registry = await startRegistry({ kind: "htpasswd", users: [alice] });
    host = registry.host;
    await pushArchive(singleArchive, `${host}/private/app:1`, { user: alice });
  });
  after(() => registry.stop());

  test("credentials given as options (--username, --password-stdin)", async () => {
    const remote = await scanOf(
      openRegistrySource(`${host}/private/app:1`, {
        ...isolated,
        credential: { kind: "basic", ...alice, origin: "--username" },
      }),
    );
    assertSameScan(remote, await scanLocal(singleArchive));
  });

  test("credentials from $DOCKER_CONFIG: auths, then a credential helper", async () => {
    const dir = join(scratch, "docker-config-basic");
    await mkdir(dir, { recursive: true });
    const auth = Buffer.from(`${alice.username}:${alice.password}`).toString("base64");
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { [`http://${host}`]: { auth } } }));
    const fromAuths = await scanOf(openRegistrySource(`${host}/private/app:1`, { env: { DOCKER_CONFIG: dir } }));
    assert.ok(fromAuths.packages.length >= 5);

    const bin = join(scratch, "helper-bin");
    await mkdir(bin, { recursive: true });
    const helper = join(bin, "docker-credential-strata-registry-test");
    await writeFile(
      helper,
      `#!/bin/sh\nread server\n[ "$server" = "${host}" ] || exit 1\nprintf '{"Username":"%s","Secret":"%s"}' '${alice.username}' '${alice.password}'\n`,
    );
    await chmod(helper, 0o755);
    await writeFile(join(dir, "config.json"), JSON.stringify({ credHelpers: { [host]: "strata-registry-test" } }));
    const fromHelper = await scanOf(
      openRegistrySource(`${host}/private/app:1`, { env: { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` } }),
    );
    assert.deepEqual(fromHelper.packages, fromAuths.packages);
  });

  test("no credentials: a SourceError that says how to give them", async () => {
    await assert.rejects(
      openRegistrySource(`${host}/private/app:1`, isolated),
      sourceError(/401 Unauthorized/, /needs credentials \(pass --username and --password-stdin/),
    );
  });

  test("a wrong password: a 401 SourceError naming the URL and where the credentials came from, not the password", async () => {
    await assert.rejects(
      openRegistrySource(`${host}/private/app:1`, {
        ...isolated,
        credential: { kind: "basic", username: alice.username, password: wrong, origin: "--username" },
      }),
      (error: unknown) => {
        assert.ok(error instanceof SourceError, String(error));
        assert.match(error.message, new RegExp(`^http://${host}/v2/private/app/manifests/1: 401 Unauthorized`));
        assert.match(error.message, /refused access with the credentials from --username/);
        assert.ok(
          !error.message.includes(wrong) && !error.message.includes(Buffer.from(`alice:${wrong}`).toString("base64")),
        );
        return true;
      },
    );
  });

  test("listing with credentials", async () => {
    const credential = { kind: "basic" as const, ...alice, origin: "test" };
    assert.deepEqual(await listRepositories(host, { ...isolated, credential }), ["private/app"]);
    assert.deepEqual(await listTags(`${host}/private/app`, { ...isolated, credential }), ["1"]);
    await assert.rejects(listRepositories(host, isolated), sourceError(/401/));
  });
});

describe("a registry with token (Bearer) authentication", { skip }, () => {
  let registry: RunningRegistry;
  let host = "";
  const refreshToken = "strata-refresh-token-value";
  before(async () => {
    registry = await startRegistry({
      kind: "token",
      users: [alice],
      refreshTokens: { [refreshToken]: alice.username },
    });
    host = registry.host;
    await pushArchive(singleArchive, `${host}/team/app:1`, { user: alice });
  });
  after(() => registry.stop());

  const tokenRequests = () => registry.tokenServer?.requests ?? [];

  test("anonymous pulls get a token from the realm for the repository's pull scope", async () => {
    const earlier = tokenRequests().length;
    const remote = await scanOf(openRegistrySource(`${host}/team/app:1`, isolated));
    assertSameScan(remote, await scanLocal(singleArchive));
    assert.deepEqual(tokenRequests().slice(earlier), [
      { method: "GET", who: "anonymous", scopes: ["repository:team/app:pull"] },
    ]);
  });

  test("Basic credentials go to the token endpoint; an identity token is exchanged by POST", async () => {
    const earlier = tokenRequests().length;
    await scanOf(
      openRegistrySource(`${host}/team/app:1`, {
        ...isolated,
        credential: { kind: "basic", ...alice, origin: "--username" },
      }),
    );
    const dir = join(scratch, "docker-config-token");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { [host]: { identitytoken: refreshToken } } }));
    await scanOf(openRegistrySource(`${host}/team/app:1`, { env: { DOCKER_CONFIG: dir } }));
    assert.deepEqual(tokenRequests().slice(earlier), [
      { method: "GET", who: "basic:alice", scopes: ["repository:team/app:pull"] },
      { method: "POST", who: "refresh:alice", scopes: ["repository:team/app:pull"] },
    ]);
  });

  test("a wrong password is refused by the token endpoint: the message names it, not the password", async () => {
    await assert.rejects(
      openRegistrySource(`${host}/team/app:1`, {
        ...isolated,
        credential: { kind: "basic", username: alice.username, password: wrong, origin: "--username" },
      }),
      (error: unknown) => {
        assert.ok(error instanceof SourceError, String(error));
        assert.match(
          error.message,
          /^the token endpoint http:\/\/127\.0\.0\.1:\d+\/token refused the credentials from --username \(401\)$/,
        );
        assert.ok(!error.message.includes(wrong));
        return true;
      },
    );
  });

  test("the catalog needs more than anonymous pull rights", async () => {
    await assert.rejects(listRepositories(host, isolated), sourceError(/_catalog/, /401 Unauthorized/));
    const credential = { kind: "basic" as const, ...alice, origin: "test" };
    assert.deepEqual(await listRepositories(host, { ...isolated, credential }), ["team/app"]);
    assert.deepEqual(await listTags(`${host}/team/app`, isolated), ["1"]);
  });
});

test("the registry helpers say why they skip", { skip: skip === undefined ? "the tools are installed" : false }, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
