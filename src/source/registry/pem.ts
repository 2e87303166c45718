/** Reading PEM files for TLS, each failure an InputError naming the file and where it was named. */
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { errorMessage, InputError } from "../../errors.ts";

const maxPemBytes = 16 * 1024 * 1024;
const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The text of `path`; `origin` says where the path came from ("--ca-file", "$SSL_CERT_DIR"). */
export async function readPem(path: string, origin: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path} (${origin}): ${errorMessage(error)}`, { cause: error });
  }
  if (bytes.length > maxPemBytes) throw new InputError(`${path} (${origin}) is over ${maxPemBytes} bytes`);
  return bytes.toString("utf8");
}

/** The certificates of a PEM file, checked to be usable as CAs; at least one. */
export async function readCaCertificates(path: string, origin: string): Promise<string[]> {
  const certificates = (await readPem(path, origin)).match(pemCertificate) ?? [];
  if (certificates.length === 0) throw new InputError(`${path} (${origin}) holds no PEM certificate`);
  checkContext(() => createSecureContext({ ca: certificates }), `the certificates in ${path} (${origin})`);
  return certificates;
}

/** A client certificate (its chain may follow it) and its key, checked to belong together. */
export async function readClientPair(
  certFile: string,
  keyFile: string,
  origins: { cert: string; key: string },
): Promise<{ cert: string; key: string }> {
  const cert = await readPem(certFile, origins.cert);
  const key = await readPem(keyFile, origins.key);
  checkContext(() => createSecureContext({ cert, key }), `the client certificate ${certFile} with the key ${keyFile}`);
  return { cert, key };
}

function checkContext(make: () => unknown, what: string): void {
  try {
    make();
  } catch (error) {
    throw new InputError(`${what} cannot be used: ${errorMessage(error)}`, { cause: error });
  }
}
