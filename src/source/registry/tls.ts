/**
 * TLS for registries: certificate authorities to trust beyond Node's bundled ones (`--ca-file`, and the
 * files named by SSL_CERT_FILE and NODE_EXTRA_CA_CERTS), a client certificate for registries that ask for
 * one (`--cert-file`, `--key-file`: mutual TLS), and messages that say which side refused a handshake.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext, rootCertificates } from "node:tls";
import { buildConnector } from "undici";
import { errorMessage, InputError } from "../../errors.ts";
import type { Environment } from "./credentials.ts";

export interface TlsFiles {
  /** PEM certificates of authorities to trust, added to the defaults. */
  caFile?: string;
  /** PEM client certificate (its chain may follow it) and its private key. */
  certFile?: string;
  keyFile?: string;
}

/** What undici's connect options take: PEM texts. */
export interface TlsMaterial {
  /** Every trusted CA, the defaults included; absent when nothing was added (Node's defaults apply). */
  ca?: string[];
  cert?: string;
  key?: string;
}

const maxPemBytes = 16 * 1024 * 1024;
const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads and checks the files; InputError naming the file and its flag when one is unusable. */
export async function loadTls(files: TlsFiles, env: Environment): Promise<TlsMaterial> {
  const caSources: [string, string][] = [];
  if (files.caFile !== undefined) caSources.push([files.caFile, "--ca-file"]);
  for (const name of ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]) {
    const path = env[name];
    if (path !== undefined && path !== "") caSources.push([path, `$${name}`]);
  }
  const extra: string[] = [];
  for (const [path, origin] of caSources) {
    const certificates = (await readPem(path, origin)).match(pemCertificate) ?? [];
    if (certificates.length === 0) throw new InputError(`${path} (${origin}) holds no PEM certificate`);
    checkContext(() => createSecureContext({ ca: certificates }), `the certificates in ${path} (${origin})`);
    extra.push(...certificates);
  }
  const material: TlsMaterial = extra.length === 0 ? {} : { ca: [...rootCertificates, ...extra] };

  const { certFile, keyFile } = files;
  if (certFile === undefined && keyFile === undefined) return material;
  if (certFile === undefined) throw new InputError("--key-file needs --cert-file");
  if (keyFile === undefined) throw new InputError("--cert-file needs --key-file");
  const cert = await readPem(certFile, "--cert-file");
  const key = await readPem(keyFile, "--key-file");
  checkContext(() => createSecureContext({ cert, key }), `the client certificate ${certFile} with the key ${keyFile}`);
  return { ...material, cert, key };
}

async function readPem(path: string, origin: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path} (${origin}): ${errorMessage(error)}`, { cause: error });
  }
  if (bytes.length > maxPemBytes) throw new InputError(`${path} (${origin}) is over ${maxPemBytes} bytes`);
  return bytes.toString("utf8");
}

function checkContext(make: () => unknown, what: string): void {
  try {
    make();
  } catch (error) {
    throw new InputError(`${what} cannot be used: ${errorMessage(error)}`, { cause: error });
  }
}

/** OpenSSL's and Node's codes for a server certificate this side did not accept. */
const untrustedServer = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** TLS alerts a server sends when it wanted a client certificate and got none, or one it does not accept. */
const clientCertificateAlerts = new Set([
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
  "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
]);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string") codes.push(current.code);
    current = "cause" in current ? current.cause : undefined;
  }
  return codes;
}

/**
 * A sentence for a failed handshake in which the server does speak TLS: its certificate is not trusted,
 * or it refused this side's client certificate (or the lack of one). Undefined for anything else.
 */
export function describeTlsFailure(error: unknown, host: string, clientCertificate: boolean): string | undefined {
  for (const code of codesOf(error)) {
    if (untrustedServer.has(code)) {
      return `the TLS certificate of ${host} is not trusted (${code}); pass its CA with --ca-file (or SSL_CERT_FILE), or use --insecure`;
    }
    if (clientCertificateAlerts.has(code)) {
      return clientCertificate
        ? `${host} refused the client certificate given with --cert-file (${code})`
        : `${host} requires a client certificate (${code}); pass --cert-file and --key-file`;
    }
  }
  return undefined;
}

/** Whether the server answered in TLS and the handshake failed over certificates (so it is no plain-HTTP server). */
export function isTlsRefusal(error: unknown): boolean {
  return codesOf(error).some((code) => untrustedServer.has(code) || clientCertificateAlerts.has(code));
}

/**
 * A server that rejects the client certificate under TLS 1.3 does so after the handshake, with an alert the
 * client reads along with the response; undici then reports only "other side closed". This connector keeps
 * the last such alert per host, so the failure can be explained.
 */
export class TlsAlerts {
  private readonly last = new Map<string, Error>();

  connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const connect = buildConnector(options);
    return (target, callback) => {
      connect(target, (...result) => {
        const [, socket] = result;
        socket?.on("error", (error: Error) => {
          if (isTlsRefusal(error)) this.last.set(target.hostname, error);
        });
        callback(...result);
      });
    };
  }

  /** The alert `hostname` sent last, forgotten once taken. */
  take(hostname: string): Error | undefined {
    const alert = this.last.get(hostname);
    this.last.delete(hostname);
    return alert;
  }
}
