/**
 * A small PKI made with openssl for TLS tests: a CA, a server certificate for 127.0.0.1 and localhost, a
 * client certificate from the same CA, and a client certificate from a second CA the server does not know.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface KeyPair {
  /** PEM certificate file. */
  cert: string;
  /** PEM private key file. */
  key: string;
}

export interface TestPki {
  ca: KeyPair;
  server: KeyPair;
  client: KeyPair;
  /** Signed by another CA: the server must refuse it. */
  strangerClient: KeyPair;
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  await run("openssl", [
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    pair.key,
    "-out",
    pair.cert,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return pair;
}

async function issue(dir: string, name: string, ca: KeyPair, extensions: string): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  const request = join(dir, `${name}.csr`);
  const extfile = join(dir, `${name}.ext`);
  await writeFile(extfile, extensions);
  await run("openssl", ["req", "-new", ...ecKey, "-keyout", pair.key, "-out", request, "-subj", `/CN=${name}`]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    request,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    pair.cert,
    "-days",
    "2",
    "-extfile",
    extfile,
  ]);
  return pair;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const ca = await makeCa(dir, "strata-test-ca");
  const stranger = await makeCa(dir, "stranger-ca");
  const server = await issue(
    dir,
    "registry",
    ca,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  const clientExtensions =
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";
  const client = await issue(dir, "client", ca, clientExtensions);
  const strangerClient = await issue(dir, "stranger-client", stranger, clientExtensions);
  return { ca, server, client, strangerClient };
}
