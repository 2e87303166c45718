/**
 * TLS for registries: certificate authorities to trust beyond Node's bundled ones (`--ca-file`, the files
 * named by SSL_CERT_FILE and NODE_EXTRA_CA_CERTS, the directories named by SSL_CERT_DIR, and the registry's
 * certs.d folder), a client certificate for registries that ask for one (`--cert-file` with `--key-file` for
 * every host, else the one in the registry's certs.d folder for the registry's host only: never for its token
 * realm or blob storage elsewhere), and messages that say which side refused a handshake.
 */
import { rootCertificates } from "node:tls";
import { buildConnector } from "undici";
import { InputError } from "../../errors.ts";
import { defaultCertsDirRoots, findRegistryCertificates } from "./certs-d.ts";
import type { Environment } from "./credentials.ts";
import { readCaCertificates, readClientPair } from "./pem.ts";
import { registryEndpoint } from "./reference.ts";
import { readSslCertDirs } from "./ssl-cert-dir.ts";

export interface TlsFiles {
  /** PEM certificates of authorities to trust, added to the defaults. */
  caFile?: string;
  /** PEM client certificate (its chain may follow it) and its private key. */
  certFile?: string;
  keyFile?: string;
  /** A certs.d directory to read registry folders from instead of the default ones (see certs-d.ts). */
  certsDir?: string;
}

/** What undici's connect options take: PEM texts. */
export interface TlsMaterial {
  /** Every trusted CA, the defaults included; absent when nothing was added (Node's defaults apply). */
  ca?: string[];
  cert?: string;
  key?: string;
  /** Where the client certificate comes from, for messages: "--cert-file" or its path. */
  certOrigin?: string;
}

/** What a registry client connects with. */
export interface RegistryTls {
  /** For every host: the registry, its token realm, blob storage it redirects to. */
  tls: TlsMaterial;
  /** Instead of `tls` for these hosts (as URLs spell them: `name[:port]`, without a default port). */
  tlsByHost: Map<string, TlsMaterial>;
}

/** Where each file was given, for messages: the flags of `strata scan` unless said otherwise. */
export type TlsOrigins = Record<"caFile" | "certFile" | "keyFile", string>;

const flags: TlsOrigins = { caFile: "--ca-file", certFile: "--cert-file", keyFile: "--key-file" };

/** Reads and checks the files; InputError naming the file and where it was given when one is unusable. */
export async function loadTls(files: TlsFiles, env: Environment, origins: TlsOrigins = flags): Promise<TlsMaterial> {
  return withCas(await extraCas(files, env, origins), await flaggedClientPair(files, origins));
}

/** loadTls, plus what the certs.d folder of `registry` ("host", "host:port", "docker.io") holds. */
export async function loadRegistryTls(registry: string, files: TlsFiles, env: Environment): Promise<RegistryTls> {
  const extra = await extraCas(files, env);
  const flagged = await flaggedClientPair(files);
  const { certsDir } = files;
  const found = await findRegistryCertificates(
    registry,
    certsDir === undefined ? defaultCertsDirRoots(env) : [certsDir],
    certsDir !== undefined,
  );
  const cas = [...extra, ...(found?.cas ?? [])];
  const tlsByHost = new Map<string, TlsMaterial>();
  const client = found?.client;
  if (flagged === undefined && client !== undefined) {
    const host = new URL(`https://${registryEndpoint(registry)}/`).host;
    tlsByHost.set(host, withCas(cas, { cert: client.cert, key: client.key, certOrigin: client.certFile }));
  }
  return { tls: withCas(cas, flagged), tlsByHost };
}

async function extraCas(files: TlsFiles, env: Environment, origins: TlsOrigins = flags): Promise<string[]> {
  const caFiles: [string, string][] = [];
  if (files.caFile !== undefined) caFiles.push([files.caFile, origins.caFile]);
  for (const name of ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]) {
    const path = env[name];
    if (path !== undefined && path !== "") caFiles.push([path, `$${name}`]);
  }
  const extra: string[] = [];
  for (const [path, origin] of caFiles) extra.push(...(await readCaCertificates(path, origin)));
  const dirs = env["SSL_CERT_DIR"];
  if (dirs !== undefined && dirs !== "") extra.push(...(await readSslCertDirs(dirs)));
  return extra;
}

async function flaggedClientPair(files: TlsFiles, origins: TlsOrigins = flags): Promise<TlsMaterial | undefined> {
  const { certFile, keyFile } = files;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new InputError(`${origins.keyFile} needs ${flags.certFile}`);
  if (keyFile === undefined) throw new InputError(`${origins.certFile} needs ${flags.keyFile}`);
  const pair = await readClientPair(certFile, keyFile, { cert: origins.certFile, key: origins.keyFile });
  return { ...pair, certOrigin: origins === flags ? "--cert-file" : origins.certFile };
}

function withCas(extra: string[], client: TlsMaterial | undefined): TlsMaterial {
  return { ...(extra.length === 0 ? {} : { ca: [...rootCertificates, ...extra] }), ...client };
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
 * or it refused this side's client certificate (from `certOrigin`: "--cert-file" or a file) or the lack of
 * one. Undefined for anything else.
 */
export function describeTlsFailure(error: unknown, host: string, certOrigin: string | undefined): string | undefined {
  for (const code of codesOf(error)) {
    if (untrustedServer.has(code)) {
      return `the TLS certificate of ${host} is not trusted (${code}); pass its CA with --ca-file (or SSL_CERT_FILE, SSL_CERT_DIR, or a *.crt file in the registry's certs.d folder), or use --insecure`;
    }
    if (clientCertificateAlerts.has(code)) {
      if (certOrigin === undefined) {
        return `${host} requires a client certificate (${code}); pass --cert-file and --key-file, or put a client.cert and client.key in the registry's certs.d folder`;
      }
      const given = certOrigin === "--cert-file" ? "given with --cert-file" : certOrigin;
      return `${host} refused the client certificate ${given} (${code})`;
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
