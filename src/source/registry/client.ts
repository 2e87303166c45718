/**
 * An OCI distribution API client for one registry: the `/v2/` ping (which picks HTTPS or, where allowed,
 * plain HTTP, and learns how to authenticate), manifests, blobs and the listings (catalog, tags).
 */
import type { Readable } from "node:stream";
import { errorMessage, InputError, LimitError, SourceError } from "../../errors.ts";
import { digestOf, isDigest, verifyDigest } from "../digest.ts";
import { isJsonObject } from "../json.ts";
import { mediaTypes } from "../oci-documents.ts";
import { Authorizer } from "./auth.ts";
import { ResumableBlob } from "./blob-stream.ts";
import { type Credential, type Environment, findDockerCredential } from "./credentials.ts";
import { type HttpResponse, type HttpTimeouts, HttpTransport, headerValue, type RetryPolicy } from "./http.ts";
import { isLoopbackRegistry, registryEndpoint } from "./reference.ts";
import { failure, readBounded } from "./response.ts";
import { isTlsRefusal, loadRegistryTls, type TlsFiles } from "./tls.ts";

/**
 * caFile, certFile and keyFile (TlsFiles) are --ca-file, --cert-file and --key-file; certsDir replaces the
 * default certs.d directories (see certs-d.ts).
 */
export interface RegistryClientOptions extends TlsFiles {
  /** Credentials given on the command line (--username, --password-stdin); they win over the docker config. */
  credential?: Credential;
  /** Read ~/.docker/config.json (or $DOCKER_CONFIG) for credentials; default true. */
  dockerConfig?: boolean;
  /** Plain HTTP, and HTTPS without certificate checks, for any host. Loopback hosts may use HTTP anyway. */
  insecure?: boolean;
  /** DOCKER_CONFIG, HOME, PATH, proxies, SSL_CERT_FILE, SSL_CERT_DIR; default process.env. */
  env?: Environment;
  timeouts?: HttpTimeouts;
  retry?: RetryPolicy;
  /** How long a docker credential helper may run; default 10 s. */
  helperTimeoutMs?: number;
  /** Cap on manifests, configs and listing pages; default 16 MiB. */
  maxMetadataBytes?: number;
}

export interface FetchedManifest {
  digest: string;
  /** Content-Type, without parameters. */
  mediaType?: string;
  bytes: Buffer;
  value: unknown;
}

export interface ListOptions {
  /** Entries asked for per page (`n`); default 1000. */
  pageSize?: number;
  /** Stop with LimitError past this many entries; default 1,000,000. */
  maxEntries?: number;
  signal?: AbortSignal;
}

interface GetOptions {
  method?: "GET" | "HEAD";
  accept?: string;
  range?: string;
  signal?: AbortSignal;
}

const manifestAccept = [
  mediaTypes.ociIndex,
  mediaTypes.ociManifest,
  mediaTypes.dockerManifestList,
  mediaTypes.dockerManifest,
].join(", ");

const catalogScope = "registry:catalog:*";
const defaultMaxMetadataBytes = 16 * 1024 * 1024;

export class RegistryClient {
  /** As named in references: "docker.io", "host:5000". */
  readonly registry: string;
  /** "https://registry-1.docker.io", "http://127.0.0.1:5000". */
  readonly base: URL;
  private readonly http: HttpTransport;
  private readonly auth: Authorizer;
  private readonly maxMetadataBytes: number;

  private constructor(registry: string, base: URL, http: HttpTransport, auth: Authorizer, maxMetadataBytes: number) {
    this.registry = registry;
    this.base = base;
    this.http = http;
    this.auth = auth;
    this.maxMetadataBytes = maxMetadataBytes;
  }

  /** Finds credentials, pings the registry and learns its scheme and authentication. */
  static async connect(registry: string, options: RegistryClientOptions = {}): Promise<RegistryClient> {
    const env = options.env ?? process.env;
    const insecure = options.insecure === true;
    const plainAllowed = insecure || isLoopbackRegistry(registry);
    const credential =
      options.credential ??
      (options.dockerConfig === false
        ? undefined
        : await findDockerCredential(registry, {
            env,
            ...(options.helperTimeoutMs === undefined ? {} : { helperTimeoutMs: options.helperTimeoutMs }),
          }));
    const { tls, tlsByHost } = await loadRegistryTls(registry, options, env);
    const http = new HttpTransport({
      env,
      insecureTls: insecure,
      tls,
      tlsByHost,
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    try {
      const endpoint = registryEndpoint(registry);
      const { base, ping } = await pingRegistry(http, endpoint, plainAllowed);
      const auth = new Authorizer(http, credential, (url) => insecure || isLoopbackRegistry(url.host));
      auth.noteChallenge(ping);
      return new RegistryClient(registry, base, http, auth, options.maxMetadataBytes ?? defaultMaxMetadataBytes);
    } catch (error) {
      await http.close();
      throw error;
    }
  }

  /** A manifest or index by tag or digest, checked against the digest when one was asked for. */
  async getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const what = `manifest ${reference} of ${this.registry}/${repository}`;
    const response = await this.get(`/v2/${repository}/manifests/${reference}`, pullScope(repository), {
      accept: manifestAccept,
      ...(signal === undefined ? {} : { signal }),
    });
    if (response.status !== 200) throw await failure(response, what);
    const bytes = await readBounded(response, this.maxMetadataBytes, what);
    const digest = isDigest(reference) ? reference : digestOf(bytes);
    if (isDigest(reference)) verifyDigest(bytes, reference, what);
    const announced = headerValue(response.headers, "docker-content-digest");
    if (announced?.startsWith("sha256:") === true && digest.startsWith("sha256:") && announced !== digest) {
      throw new InputError(`${what}: its bytes have digest ${digest} but the registry announced ${announced}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new InputError(`${what} is not valid JSON`, { cause: error });
    }
    const contentType = headerValue(response.headers, "content-type")?.split(";")[0]?.trim();
    return { digest, bytes, value, ...(contentType ? { mediaType: contentType } : {}) };
  }

  /**
   * The digest a tag (or digest) resolves to, from a manifest HEAD's Docker-Content-Digest; registries that
   * leave the header out (or refuse HEAD) are asked with a GET, and the digest is that of the bytes.
   */
  async manifestDigest(repository: string, reference: string, signal?: AbortSignal): Promise<string> {
    const what = `manifest ${reference} of ${this.registry}/${repository}`;
    const response = await this.get(`/v2/${repository}/manifests/${reference}`, pullScope(repository), {
      method: "HEAD",
      accept: manifestAccept,
      ...(signal === undefined ? {} : { signal }),
    });
    await response.body.dump();
    if (response.status === 200) {
      const announced = headerValue(response.headers, "docker-content-digest");
      if (announced !== undefined && isDigest(announced)) return announced;
    } else if (response.status !== 405 && response.status !== 501) {
      throw await failure(response, what);
    }
    return (await this.getManifest(repository, reference, signal)).digest;
  }

  /** A small blob (a config), read whole and checked against its digest. */
  async getBlobBytes(repository: string, digest: string): Promise<Buffer> {
    const what = `blob ${digest} of ${this.registry}/${repository}`;
    const response = await this.get(`/v2/${repository}/blobs/${digest}`, pullScope(repository));
    if (response.status !== 200) throw await failure(response, what);
    const bytes = await readBounded(response, this.maxMetadataBytes, what);
    verifyDigest(bytes, digest, what);
    return bytes;
  }

  /**
   * A blob as it streams, resumed where it broke off if the connection drops (see blob-stream.ts). The reader
   * checks the digest of an unbroken download; one pieced together is checked here. The caller consumes or
   * destroys the stream.
   */
  async openBlob(repository: string, digest: string, expectedSize?: number): Promise<Readable> {
    const what = `blob ${digest} of ${this.registry}/${repository}`;
    const path = `/v2/${repository}/blobs/${digest}`;
    const scope = pullScope(repository);
    const response = await this.get(path, scope);
    if (response.status !== 200) throw await failure(response, what);
    const length = Number(headerValue(response.headers, "content-length") ?? Number.NaN);
    if (expectedSize !== undefined && Number.isFinite(length) && length !== expectedSize) {
      response.body.destroy();
      throw new InputError(`${what} is ${length} bytes, but the manifest says ${expectedSize}`);
    }
    return new ResumableBlob(response.body, {
      what,
      digest,
      size: expectedSize ?? (Number.isFinite(length) ? length : undefined),
      reopen: (offset) => this.get(path, scope, offset > 0 ? { range: `bytes=${offset}-` } : {}),
      maxBreaks: Math.max(1, this.http.attempts - 1),
      delayMs: (breaks) => this.http.backoff(breaks),
    });
  }

  /** Every repository, through the `/v2/_catalog` pages (registries may restrict or refuse it). */
  async listRepositories(options: ListOptions = {}): Promise<string[]> {
    return collect(this.repositoryPages(options));
  }

  /** The catalog page by page, each asked for when the one before has been used. */
  repositoryPages(options: ListOptions = {}): AsyncGenerator<string[]> {
    return this.pages(`/v2/_catalog`, catalogScope, "repositories", `the catalog of ${this.registry}`, options);
  }

  async listTags(repository: string, options: ListOptions = {}): Promise<string[]> {
    return collect(
      this.pages(
        `/v2/${repository}/tags/list`,
        pullScope(repository),
        "tags",
        `the tags of ${this.registry}/${repository}`,
        options,
      ),
    );
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async *pages(
    path: string,
    scope: string,
    field: string,
    what: string,
    options: ListOptions,
  ): AsyncGenerator<string[]> {
    const maxEntries = options.maxEntries ?? 1_000_000;
    const { signal } = options;
    let count = 0;
    let next: string | undefined = `${path}?n=${options.pageSize ?? 1000}`;
    const seen = new Set<string>();
    while (next !== undefined) {
      if (seen.has(next)) throw new SourceError(`${what}: the registry's next-page links go round in a circle`);
      seen.add(next);
      const response = await this.get(next, scope, signal === undefined ? {} : { signal });
      if (response.status !== 200) throw await failure(response, what);
      const page = parsePage(await readBounded(response, this.maxMetadataBytes, what), field, what);
      count += page.length;
      if (count > maxEntries) throw new LimitError(`${what} has more than ${maxEntries} entries`);
      next = nextPage(headerValue(response.headers, "link"), response.url, this.base);
      yield page;
    }
  }

  /** A GET (or HEAD) on the registry, answering one 401 challenge (a fresh token, or Basic credentials). */
  private async get(pathAndQuery: string, scope: string, options: GetOptions = {}): Promise<HttpResponse> {
    const url = new URL(pathAndQuery, this.base);
    const { method, signal } = options;
    const send = async (): Promise<HttpResponse> => {
      const headers: Record<string, string> = {};
      if (options.accept !== undefined) headers["accept"] = options.accept;
      if (options.range !== undefined) headers["range"] = options.range;
      const authorization = await this.auth.header(scope, url);
      if (authorization !== undefined) headers["authorization"] = authorization;
      return this.http.send(url, {
        headers,
        ...(method === undefined ? {} : { method }),
        ...(signal === undefined ? {} : { signal }),
      });
    };
    const first = await send();
    if (first.status !== 401) return first;
    await first.body.dump();
    await this.auth.answer(first, scope);
    const second = await send();
    if (second.status !== 401) return second;
    await second.body.dump();
    throw this.auth.refused(url);
  }
}

async function collect(pages: AsyncIterable<string[]>): Promise<string[]> {
  const names: string[] = [];
  for await (const page of pages) names.push(...page);
  return names;
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** HTTPS first; where plain HTTP is allowed, HTTP when HTTPS cannot be spoken (as docker does). */
async function pingRegistry(
  http: HttpTransport,
  endpoint: string,
  plainAllowed: boolean,
): Promise<{ base: URL; ping: HttpResponse }> {
  let base = new URL(`https://${endpoint}/`);
  let ping: HttpResponse;
  try {
    ping = await http.send(new URL("/v2/", base), plainAllowed ? { attempts: 1 } : {});
  } catch (secureError) {
    // A server that answered in TLS and refused the handshake over certificates is no plain-HTTP server: say so.
    if (!plainAllowed || isTlsRefusal(secureError)) throw secureError;
    base = new URL(`http://${endpoint}/`);
    try {
      ping = await http.send(new URL("/v2/", base));
    } catch (plainError) {
      throw new SourceError(`${errorMessage(plainError)}; over HTTPS: ${errorMessage(secureError)}`, {
        cause: plainError,
      });
    }
  }
  if (ping.status !== 200 && ping.status !== 401) {
    throw await failure(ping, `${endpoint} does not answer as an OCI registry`);
  }
  await ping.body.dump();
  return { base, ping };
}

function parsePage(bytes: Buffer, field: string, what: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new InputError(`${what} is not valid JSON`, { cause: error });
  }
  if (!isJsonObject(value)) throw new InputError(`${what} is not a JSON object`);
  const list = value[field];
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list) || !list.every((entry): entry is string => typeof entry === "string")) {
    throw new InputError(`${what}: "${field}" must be an array of strings`);
  }
  return list;
}

/** The path and query of the `rel="next"` Link, which must stay on the registry. */
export function nextPage(link: string | undefined, current: URL, base: URL): string | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match?.[1] === undefined || !/;\s*rel="?next"?(?:\s*;|\s*$)/i.test(match[2] ?? "")) continue;
    const url = new URL(match[1], current);
    if (url.origin !== base.origin) throw new SourceError(`${current.href}: the next page is on another server`);
    return `${url.pathname}${url.search}`;
  }
  return undefined;
}
