/**
 * TLS to a registry: Debian's docker-registry serving a certificate from a test CA made with openssl and
 * demanding client certificates from that CA (`clientcas`). --ca-file, SSL_CERT_FILE, --cert-file and
 * --key-file, and the errors when one of them is missing or wrong.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runScan } from "../../src/cli/commands/scan.ts";
import { InputError, SourceError } from "../../src/errors.ts";
import { isJsonObject } from "../../src/source/json.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { openSource } from "../../src/source/open.ts";
import { crawlRegistry } from "../../src/source/registry/crawl.ts";
import { HttpTransport } from "../../src/source/registry/http.ts";
import { openRegistrySource, type RegistrySourceOptions } from "../../src/source/registry/registry-source.ts";
import { loadTls } from "../../src/source/registry/tls.ts";
import { scanOf, writeTlsTestArchive } from "./tls-image.ts";
import { makeTestPki, type TestPki } from "./certificates.ts";
import { pushArchive, registrySkipReason, type RunningRegistry, startRegistry } from "./docker-registry.ts";

const skip = await registrySkipReason(["openssl"]);
const scratch = await mkdtemp(join(tmpdir(), "strata-registry-tls-"));
after(() => rm(scratch, { recursive: true, force: true }));

const archive = join(scratch, "app.tar");
await writeTlsTestArchive(archive);

function sourceError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SourceError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

describe("a registry that requires client certificates (mTLS)", { skip }, () => {
  let pki: TestPki;
  let registry: RunningRegistry;
  let reference = "";
  let trusted: RegistrySourceOptions = {};
  let local: Inventory;
  before(async () => {
    pki = await makeTestPki(scratch);
    registry = await startRegistry(
      { kind: "none" },
      { tls: { certificate: pki.server.cert, key: pki.server.key, clientCas: [pki.ca.cert] } },
    );
    // skopeo's layout for a registry's certificates: *.crt CAs, and a *.cert with its *.key.
    const certDir = join(scratch, "skopeo-certs");
    await mkdir(certDir);
    await copyFile(pki.ca.cert, join(certDir, "ca.crt"));
    await copyFile(pki.client.cert, join(certDir, "client.cert"));
    await copyFile(pki.client.key, join(certDir, "client.key"));
    await pushArchive(archive, `${registry.host}/secure/app:1`, { certDir });
    reference = `${registry.host}/secure/app:1`;
    trusted = {
      env: {},
      dockerConfig: false,
      caFile: pki.ca.cert,
      certFile: pki.client.cert,
      keyFile: pki.client.key,
    };
    local = await scanOf(openSource(`oci-archive:${archive}`));
  });
  after(() => registry.stop());

  test("--ca-file, --cert-file and --key-file: the scan matches the archive's", async () => {
    const remote = await scanOf(openRegistrySource(reference, trusted));
    assert.ok(local.packages.length >= 2);
    assert.deepEqual(remote.packages, local.packages);
    assert.deepEqual(remote.layers, local.layers);
    assert.deepEqual(remote.issues, []);
  });

  test("the CA from SSL_CERT_FILE instead of --ca-file", async () => {
    const { caFile: _unused, ...withoutCa } = trusted;
    const remote = await scanOf(openRegistrySource(reference, { ...withoutCa, env: { SSL_CERT_FILE: pki.ca.cert } }));
    assert.deepEqual(remote.packages, local.packages);
  });

  test("no client certificate: the registry requires one, and the message says how to give it", async () => {
    await assert.rejects(
      openRegistrySource(reference, { env: {}, dockerConfig: false, caFile: pki.ca.cert }),
      sourceError(
        new RegExp(
          `^cannot reach https://${registry.host}/v2/: ${registry.host} requires a client certificate \\(ERR_SSL_[A-Z0-9_]+\\); pass --cert-file and --key-file, or put a client\\.cert and client\\.key in the registry's certs\\.d folder$`,
        ),
      ),
    );
  });

  test("a refusal over certificates is not retried", async () => {
    const http = new HttpTransport({
      env: {},
      tls: await loadTls({ caFile: pki.ca.cert }, {}),
      retry: { attempts: 4, baseDelayMs: 6000 },
    });
    const started = Date.now();
    try {
      await assert.rejects(http.send(new URL(`https://${registry.host}/v2/_catalog`)), /requires a client certificate/);
    } finally {
      await http.close();
    }
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
  });

  test("a client certificate from another CA is refused", async () => {
    await assert.rejects(
      openRegistrySource(reference, {
        ...trusted,
        certFile: pki.strangerClient.cert,
        keyFile: pki.strangerClient.key,
      }),
      sourceError(new RegExp(`${registry.host} refused the client certificate given with --cert-file \\(ERR_SSL_`)),
    );
  });

  test("no CA for the server's certificate: not trusted, with the ways out; --insecure accepts it", async () => {
    const { caFile: _unused, ...withoutCa } = trusted;
    await assert.rejects(
      openRegistrySource(reference, withoutCa),
      sourceError(
        new RegExp(
          `TLS certificate of ${registry.host} is not trusted \\([A-Z_]+\\); pass its CA with --ca-file \\(or SSL_CERT_FILE, SSL_CERT_DIR, or a \\*\\.crt file in the registry's certs\\.d folder\\), or use --insecure`,
        ),
      ),
    );
    const insecure = await scanOf(openRegistrySource(reference, { ...withoutCa, insecure: true }));
    assert.deepEqual(insecure.packages, local.packages);
  });

  test("unusable files are InputErrors naming the file and its flag", async () => {
    const { certFile: _cert, ...withoutCert } = trusted;
    await assert.rejects(openRegistrySource(reference, withoutCert), /--key-file needs --cert-file/);
    const { keyFile: _key, ...withoutKey } = trusted;
    await assert.rejects(openRegistrySource(reference, withoutKey), /--cert-file needs --key-file/);
    await assert.rejects(
      openRegistrySource(reference, { ...trusted, keyFile: pki.strangerClient.key }),
      (error: unknown) =>
        error instanceof InputError &&
        error.message.startsWith(
          `the client certificate ${pki.client.cert} with the key ${pki.strangerClient.key} cannot be used`,
        ),
    );
    const missing = join(scratch, "absent.pem");
    await assert.rejects(
      openRegistrySource(reference, { ...trusted, caFile: missing }),
      (error: unknown) => error instanceof InputError && error.message.startsWith(`cannot read ${missing} (--ca-file)`),
    );
    const notPem = join(scratch, "not-a-certificate.pem");
    await writeFile(notPem, "hello\n");
    await assert.rejects(
      openRegistrySource(reference, { ...trusted, env: { SSL_CERT_FILE: notPem } }),
      (error: unknown) =>
        error instanceof InputError && error.message === `${notPem} ($SSL_CERT_FILE) holds no PEM certificate`,
    );
  });

  test("the crawl speaks mTLS too", async () => {
    const references: string[] = [];
    for await (const image of crawlRegistry(registry.host, trusted)) references.push(image.reference);
    assert.equal(references.length, 1);
    assert.match(references[0] ?? "", new RegExp(`^${registry.host}/secure/app@sha256:[a-f0-9]{64}$`));
  });

  test("strata scan passes the three options to the registry", async () => {
    const output = join(scratch, "report.json");
    const options = {
      format: "json",
      output,
      quiet: true as const,
      verifyDigests: true,
      cache: false,
      vulns: false,
      caFile: pki.ca.cert,
      certFile: pki.client.cert,
      keyFile: pki.client.key,
    };
    assert.equal(await runScan(reference, options), 0);
    const report: unknown = JSON.parse(await readFile(output, "utf8"));
    assert.ok(isJsonObject(report) && Array.isArray(report["packages"]));
    assert.equal(report["packages"].length, local.packages.length);
    const { certFile: _cert, keyFile: _key, ...noClientCertificate } = options;
    assert.equal(await runScan(reference, noClientCertificate), 2);
  });
});

test("the TLS tests say why they skip", { skip: skip === undefined ? "the tools are installed" : false }, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
