/**
 * GET and POST on undici for the registry client: bounded retries with backoff on 429, 5xx and dropped
 * connections (honouring Retry-After), redirects followed by hand so that Authorization never leaves the
 * host it was meant for, and connect, header and body timeouts. Proxies come from HTTP(S)_PROXY/NO_PROXY;
 * loopback hosts are always reached directly.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createSecureContext } from "node:tls";
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from "undici";
import { errorMessage, SourceError } from "../../errors.ts";
import type { Environment } from "./credentials.ts";
import { isLoopbackRegistry } from "./reference.ts";
import { describeTlsFailure, TlsAlerts, type TlsMaterial } from "./tls.ts";

export interface HttpTimeouts {
  /** TCP and TLS connection; default 15 s. */
  connectMs?: number;
  /** From sending a request to the end of the response headers; default 60 s. */
  headersMs?: number;
  /** Longest pause between two chunks of a body; default 120 s. */
  bodyMs?: number;
}

export interface RetryPolicy {
  /** Tries per request, the first included; default 4. */
  attempts?: number;
  /** First backoff; it doubles on each retry, with jitter; default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait before a retry; a Retry-After asking for more ends the retries; default 30 s. */
  maxDelayMs?: number;
}

export interface HttpOptions {
  env: Environment;
  timeouts?: HttpTimeouts;
  retry?: RetryPolicy;
  /** Accept any TLS certificate (--insecure). */
  insecureTls?: boolean;
  /** Trusted CAs beyond the defaults, and a client certificate (see tls.ts). */
  tls?: TlsMaterial;
  /** Instead of `tls` for these hosts (`name[:port]` as URLs spell them): a registry's own client certificate. */
  tlsByHost?: ReadonlyMap<string, TlsMaterial>;
}

/** Connections with one set of TLS material: straight, or through the environment's proxy. */
interface Pool {
  direct: Agent;
  proxied: EnvHttpProxyAgent;
  certOrigin: string | undefined;
}

export type ResponseBody = Dispatcher.ResponseData["body"];

export interface HttpResponse {
  /** Where the response came from, after redirects. */
  url: URL;
  status: number;
  headers: Dispatcher.ResponseData["headers"];
  /** The caller consumes it, or dumps or destroys it. */
  body: ResponseBody;
}

export interface RequestInit {
  method?: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  /** POST bodies are held in memory (forms, gzip'd uploads), so a retry can send them again. */
  body?: string | Uint8Array;
  /** Overrides the retry policy's attempts (1: no retry). */
  attempts?: number;
  /** Aborting rejects with the signal's reason, also during a backoff. */
  signal?: AbortSignal;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const retryStatuses = new Set([408, 429, 500, 502, 503, 504]);
const retryErrorCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const maxRedirects = 5;

export class HttpTransport {
  private readonly pool: Pool;
  private readonly hostPools = new Map<string, Pool>();
  private readonly retry: Required<RetryPolicy>;
  private readonly headersMs: number;
  private readonly bodyMs: number;
  private readonly alerts = new TlsAlerts();

  constructor(options: HttpOptions) {
    const timeouts = options.timeouts ?? {};
    this.headersMs = timeouts.headersMs ?? 60_000;
    this.bodyMs = timeouts.bodyMs ?? 120_000;
    const connectMs = timeouts.connectMs ?? 15_000;
    const verify = options.insecureTls !== true;
    this.pool = this.makePool(options.env, options.tls ?? {}, verify, connectMs);
    for (const [host, material] of options.tlsByHost ?? []) {
      this.hostPools.set(host, this.makePool(options.env, material, verify, connectMs));
    }
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 4),
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    };
  }

  private makePool(env: Environment, material: TlsMaterial, verify: boolean, connectMs: number): Pool {
    const { ca, cert, key, certOrigin } = material;
    const trust = { rejectUnauthorized: verify, ...(ca === undefined ? {} : { ca }) };
    const identity = cert === undefined || key === undefined ? {} : { cert, key };
    // Built once for the pool: from hundreds of CAs (SSL_CERT_DIR) a context takes tens of milliseconds,
    // which every new connection would pay again if given the PEM texts.
    const tls =
      ca === undefined && identity.cert === undefined
        ? { rejectUnauthorized: verify }
        : {
            rejectUnauthorized: verify,
            secureContext: createSecureContext({ ...(ca === undefined ? {} : { ca }), ...identity }),
          };
    const connect = this.alerts.connector({ timeout: connectMs, ...tls });
    const agentOptions = { connect, headersTimeout: this.headersMs, bodyTimeout: this.bodyMs };
    return {
      direct: new Agent(agentOptions),
      // Empty strings, not undefined: undici would otherwise read process.env itself.
      proxied: new EnvHttpProxyAgent({
        ...agentOptions,
        requestTls: tls,
        proxyTls: trust,
        httpProxy: env["http_proxy"] ?? env["HTTP_PROXY"] ?? "",
        httpsProxy: env["https_proxy"] ?? env["HTTPS_PROXY"] ?? "",
        noProxy: env["no_proxy"] ?? env["NO_PROXY"] ?? "",
      }),
      certOrigin: cert === undefined ? undefined : (certOrigin ?? "--cert-file"),
    };
  }

  private poolFor(url: URL): Pool {
    return this.hostPools.get(url.host) ?? this.pool;
  }

  /**
   * Sends a request, retrying what is worth retrying. Resolves with the last response whatever its status
   * (the caller judges it); rejects with SourceError when the server cannot be reached.
   */
  async send(url: URL, init: RequestInit = {}): Promise<HttpResponse> {
    const attempts = init.attempts ?? this.retry.attempts;
    const { signal } = init;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let response: HttpResponse;
      try {
        response = await this.followRedirects(url, init);
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof SourceError) throw error;
        // A closed connection right after a certificate alert is a refusal: trying again changes nothing.
        const alert = errorCode(error) === "UND_ERR_SOCKET" ? this.alerts.take(url.hostname) : undefined;
        if (alert === undefined && attempt < attempts && isRetryableError(error)) {
          await sleep(this.backoff(attempt), undefined, { signal });
          continue;
        }
        const tls = describeTlsFailure(alert ?? error, url.host, this.poolFor(url).certOrigin);
        throw new SourceError(`cannot reach ${url.href}: ${tls ?? describeNetworkError(error)}`, {
          cause: alert ?? error,
        });
      }
      if (attempt >= attempts || !retryStatuses.has(response.status)) return response;
      const asked = retryAfterMs(response.headers["retry-after"]);
      if (asked !== undefined && asked > this.retry.maxDelayMs) {
        await response.body.dump();
        throw new SourceError(
          `${url.href}: ${response.status}; the server asks to retry after ${Math.ceil(asked / 1000)} s, longer than the ${Math.ceil(this.retry.maxDelayMs / 1000)} s this client waits`,
        );
      }
      await response.body.dump();
      await sleep(asked ?? this.backoff(attempt), undefined, { signal });
    }
  }

  /** Tries per request under the retry policy, the first included. */
  get attempts(): number {
    return this.retry.attempts;
  }

  async close(): Promise<void> {
    const pools = [this.pool, ...this.hostPools.values()];
    await Promise.all(pools.flatMap((pool) => [pool.direct.destroy(), pool.proxied.destroy()]));
  }

  private async followRedirects(start: URL, init: RequestInit): Promise<HttpResponse> {
    let url = start;
    const headers = { ...init.headers };
    let method = init.method ?? "GET";
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const pool = this.poolFor(url);
      const response = await request(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        dispatcher: isLoopbackRegistry(url.host) ? pool.direct : pool.proxied,
        headersTimeout: this.headersMs,
        bodyTimeout: this.bodyMs,
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
      const location = response.headers["location"];
      if (!redirectStatuses.has(response.statusCode) || typeof location !== "string") {
        return { url, status: response.statusCode, headers: response.headers, body: response.body };
      }
      await response.body.dump();
      if (hop >= maxRedirects) throw new SourceError(`${start.href}: more than ${maxRedirects} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== "https:" && next.protocol !== "http:") {
        throw new SourceError(`${url.href} redirects to a ${next.protocol} address`);
      }
      // Blob redirects usually point at storage (a CDN or bucket) with its own signed URL: the
      // registry's credentials must not go there.
      if (next.host !== url.host || next.protocol !== url.protocol) delete headers["authorization"];
      if (response.statusCode === 303) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  }

  /** How long to wait before try `attempt + 1`: exponential, jittered, capped. */
  backoff(attempt: number): number {
    const exponential = this.retry.baseDelayMs * 2 ** (attempt - 1);
    const jittered = exponential * (0.5 + Math.random() / 2);
    return Math.min(jittered, this.retry.maxDelayMs);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/**
 * Whether a request failed below HTTP (connection, TLS, timeout) rather than being answered: the registry
 * cannot be reached, so asking it about anything else will fail too.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof SourceError)) return false;
  const { cause } = error;
  return errorCode(cause) !== undefined || errorCode(cause instanceof Error ? cause.cause : undefined) !== undefined;
}

function isRetryableError(error: unknown): boolean {
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  return code !== undefined && retryErrorCodes.has(code);
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${errorMessage(error)}${cause}`;
}

/** The first value of a response header. */
export function headerValue(headers: HttpResponse["headers"], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
