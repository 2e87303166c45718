/**
 * Per-registry TLS from certs.d folders (docker's and containers/image's layout) and CAs from SSL_CERT_DIR,
 * against Debian's docker-registry serving a certificate from a test CA and demanding client certificates
 * (`clientcas`): the folder named as the registry is read, folders for other hosts are not, and the folder's
 * client certificate never goes to the token realm on another host.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { InputError, SourceError } from "../../src/errors.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { openSource } from "../../src/source/open.ts";
import { openRegistrySource, type RegistrySourceOptions } from "../../src/source/registry/registry-source.ts";
import { scanOf, writeTlsTestArchive } from "./tls-image.ts";
import { type KeyPair, makeTestPki, type TestPki } from "./certificates.ts";
import { pushArchive, registrySkipReason, type RunningRegistry, startRegistry } from "./docker-registry.ts";

const run = promisify(execFile);
const skip = await registrySkipReason(["openssl"]);
const scratch = await mkdtemp(join(tmpdir(), "strata-registry-certs-d-"));
after(() => rm(scratch, { recursive: true, force: true }));

const archive = join(scratch, "app.tar");
await writeTlsTestArchive(archive);

let folders = 0;
/** A new certs.d root with a folder per entry: its name, and which of ca.crt, client.cert and client.key to put in. */
async function certsRoot(entries: Record<string, { ca?: string; client?: KeyPair }>): Promise<string> {
  const root = join(scratch, `certs.d-${++folders}`);
  for (const [name, { ca, client }] of Object.entries(entries)) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    if (ca !== undefined) await copyFile(ca, join(dir, "ca.crt"));
    if (client !== undefined) {
      await copyFile(client.cert, join(dir, "client.cert"));
      await copyFile(client.key, join(dir, "client.key"));
    }
  }
  return root;
}

function rejection(type: typeof InputError | typeof SourceError, pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof type, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const isolated: RegistrySourceOptions = { env: {}, dockerConfig: false };

describe("certs.d folders and SSL_CERT_DIR against a registry that requires client certificates", { skip }, () => {
  let pki: TestPki;
  let registry: RunningRegistry;
  let port = "";
  let local: Inventory;
  before(async () => {
    pki = await makeTestPki(scratch);
    registry = await startRegistry(
      { kind: "none" },
      { tls: { certificate: pki.server.cert, key: pki.server.key, clientCas: [pki.ca.cert] } },
    );
    port = registry.host.slice(registry.host.lastIndexOf(":") + 1);
    const skopeoDir = join(await certsRoot({ skopeo: { ca: pki.ca.cert, client: pki.client } }), "skopeo");
    await pushArchive(archive, `${registry.host}/secure/app:1`, { certDir: skopeoDir });
    local = await scanOf(openSource(`oci-archive:${archive}`));
  });
  after(() => registry.stop());

  test("a folder named 127.0.0.1:PORT with ca.crt, client.cert and client.key: the scan matches the archive's", async () => {
    const certsDir = await certsRoot({ [registry.host]: { ca: pki.ca.cert, client: pki.client } });
    const remote = await scanOf(openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, certsDir }));
    assert.ok(local.packages.length >= 1);
    assert.deepEqual(remote.packages, local.packages);
  });

  test("ca.crt alone makes the registry trusted; it then asks for the client certificate", async () => {
    const certsDir = await certsRoot({ [registry.host]: { ca: pki.ca.cert } });
    await assert.rejects(
      openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, certsDir }),
      rejection(SourceError, new RegExp(`${escape(registry.host)} requires a client certificate \\(ERR_SSL_`)),
    );
  });

  test("the folder's client certificate is the one sent: another CA's is refused, naming its file", async () => {
    const certsDir = await certsRoot({ [registry.host]: { ca: pki.ca.cert, client: pki.strangerClient } });
    const certFile = join(certsDir, registry.host, "client.cert");
    await assert.rejects(
      openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, certsDir }),
      rejection(SourceError, new RegExp(`refused the client certificate ${escape(certFile)} \\(ERR_SSL_`)),
    );
  });

  test("--cert-file and --key-file win over the folder's pair", async () => {
    const certsDir = await certsRoot({ [registry.host]: { ca: pki.ca.cert, client: pki.strangerClient } });
    const remote = await scanOf(
      openRegistrySource(`${registry.host}/secure/app:1`, {
        ...isolated,
        certsDir,
        certFile: pki.client.cert,
        keyFile: pki.client.key,
      }),
    );
    assert.deepEqual(remote.packages, local.packages);
  });

  test("folders for other hosts are not read: 127.0.0.1 without the port, localhost:PORT, another port", async () => {
    const material = { ca: pki.ca.cert, client: pki.client };
    const otherPort = String(Number(port) === 65535 ? 1 : Number(port) + 1);
    const certsDir = await certsRoot({
      "127.0.0.1": material,
      [`localhost:${port}`]: material,
      [`127.0.0.1:${otherPort}`]: material,
    });
    await assert.rejects(
      openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, certsDir }),
      rejection(SourceError, new RegExp(`TLS certificate of ${escape(registry.host)} is not trusted`)),
    );
    // The same registry named localhost:PORT (its certificate names localhost too) reads that folder.
    const remote = await scanOf(openRegistrySource(`localhost:${port}/secure/app:1`, { ...isolated, certsDir }));
    assert.deepEqual(remote.packages, local.packages);
  });

  test("without certsDir, $HOME/.config/containers/certs.d is read; certsDir replaces it", async () => {
    const home = join(scratch, "home");
    const folder = join(home, ".config/containers/certs.d", registry.host);
    await mkdir(folder, { recursive: true });
    await copyFile(pki.ca.cert, join(folder, "ca.crt"));
    await copyFile(pki.client.cert, join(folder, "client.cert"));
    await copyFile(pki.client.key, join(folder, "client.key"));
    const remote = await scanOf(
      openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, env: { HOME: home } }),
    );
    assert.deepEqual(remote.packages, local.packages);
    const empty = join(scratch, "empty-certs.d");
    await mkdir(empty);
    await assert.rejects(
      openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, env: { HOME: home }, certsDir: empty }),
      rejection(SourceError, /is not trusted/),
    );
  });

  test("SSL_CERT_DIR: a hashed directory (openssl rehash's names) or plain *.pem files, colon-separated", async () => {
    const { stdout } = await run("openssl", ["x509", "-hash", "-noout", "-in", pki.ca.cert]);
    const hashed = join(scratch, "hashed");
    await mkdir(hashed);
    await symlink(pki.ca.cert, join(hashed, `${stdout.trim()}.0`));
    await writeFile(join(hashed, "README"), "not a certificate\n");
    const plain = join(scratch, "plain");
    await mkdir(plain);
    await copyFile(pki.ca.cert, join(plain, "test-ca.pem"));
    const client = { certFile: pki.client.cert, keyFile: pki.client.key };
    const empty = join(scratch, "empty-dir");
    await mkdir(empty);
    for (const dirs of [hashed, plain, `${empty}:${plain}`]) {
      const remote = await scanOf(
        openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, ...client, env: { SSL_CERT_DIR: dirs } }),
      );
      assert.deepEqual(remote.packages, local.packages, dirs);
    }
  });

  test("bad files are InputErrors naming the file", async () => {
    const reference = `${registry.host}/secure/app:1`;
    const keyless = await certsRoot({ [registry.host]: { ca: pki.ca.cert } });
    await copyFile(pki.client.cert, join(keyless, registry.host, "client.cert"));
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, certsDir: keyless }),
      rejection(
        InputError,
        new RegExp(`^${escape(join(keyless, registry.host, "client.cert"))} is a client certificate without its key`),
      ),
    );

    const certless = await certsRoot({ [registry.host]: {} });
    await copyFile(pki.client.key, join(certless, registry.host, "client.key"));
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, certsDir: certless }),
      rejection(InputError, /client\.key is a client key without its certificate client\.cert$/),
    );

    const mismatched = await certsRoot({ [registry.host]: { client: pki.client } });
    await copyFile(pki.strangerClient.key, join(mismatched, registry.host, "client.key"));
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, certsDir: mismatched }),
      rejection(InputError, /^the client certificate .*client\.cert with the key .*client\.key cannot be used/),
    );

    const garbled = await certsRoot({ [registry.host]: {} });
    const garbledCa = join(garbled, registry.host, "ca.crt");
    await writeFile(garbledCa, "hello\n");
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, certsDir: garbled }),
      rejection(InputError, new RegExp(`^${escape(garbledCa)} \\(a CA certificate in .*\\) holds no PEM certificate$`)),
    );

    const missingRoot = join(scratch, "no-such-certs.d");
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, certsDir: missingRoot }),
      rejection(InputError, new RegExp(`^cannot read the certs\\.d directory ${escape(missingRoot)}: ENOENT`)),
    );

    const badDir = join(scratch, "bad-ssl-cert-dir");
    await mkdir(badDir);
    await writeFile(join(badDir, "broken.pem"), "hello\n");
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, env: { SSL_CERT_DIR: badDir } }),
      rejection(InputError, new RegExp(`^${escape(join(badDir, "broken.pem"))} \\(\\$SSL_CERT_DIR\\) holds no PEM`)),
    );
    // As OpenSSL, a listed directory that does not exist is passed over: what fails is the trust it did not add.
    const missingDir = join(scratch, "no-such-dir");
    await assert.rejects(
      openRegistrySource(reference, { ...isolated, env: { SSL_CERT_DIR: missingDir } }),
      /is not trusted/,
    );
  });
});

describe("a token realm on another host never gets the registry's client certificate", { skip }, () => {
  let pki: TestPki;
  let registry: RunningRegistry;
  const alice = { username: "alice", password: "wonderland" };
  before(async () => {
    await mkdir(join(scratch, "pki-token"));
    pki = await makeTestPki(join(scratch, "pki-token"));
    registry = await startRegistry(
      { kind: "token", users: [alice], realmTls: { certificate: pki.server.cert, key: pki.server.key } },
      { tls: { certificate: pki.server.cert, key: pki.server.key, clientCas: [pki.ca.cert] } },
    );
    const skopeoDir = join(await certsRoot({ skopeo: { ca: pki.ca.cert, client: pki.client } }), "skopeo");
    await pushArchive(archive, `${registry.host}/secure/app:1`, { certDir: skopeoDir, user: alice });
  });
  after(() => registry.stop());

  test("the registry gets it, the realm at localhost does not, and trusts the folder's CA", async () => {
    assert.match(registry.tokenServer?.realm ?? "", /^https:\/\/localhost:\d+\/token$/);
    const earlier = registry.tokenServer?.requests.length ?? 0;
    const certsDir = await certsRoot({ [registry.host]: { ca: pki.ca.cert, client: pki.client } });
    const remote = await scanOf(openRegistrySource(`${registry.host}/secure/app:1`, { ...isolated, certsDir }));
    assert.ok(remote.packages.length >= 1);
    assert.deepEqual(registry.tokenServer?.requests.slice(earlier), [
      { method: "GET", who: "anonymous", scopes: ["repository:secure/app:pull"], clientCertificate: false },
    ]);
  });
});

test("the certs.d tests say why they skip", { skip: skip === undefined ? "the tools are installed" : false }, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
