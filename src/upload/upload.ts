/**
 * Sends an inventory to a Strata backend: `POST <url>/api/v1/inventories`, gzip'd, with a bearer token.
 * Dropped connections, 408, 429 and 5xx are retried with backoff (Retry-After honoured); other 4xx answers
 * are final and carry the server's own words. The token never appears in a message.
 */
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { errorMessage, InputError, LimitError, SourceError } from "../errors.ts";
import type { Inventory } from "../model/inventory.ts";
import { isJsonObject } from "../source/json.ts";
import type { Environment } from "../source/registry/credentials.ts";
import { type HttpResponse, type HttpTimeouts, HttpTransport, retryAfterMs } from "../source/registry/http.ts";
import { readBounded } from "../source/registry/response.ts";

const gzipAsync = promisify(gzip);

/** Where inventories go: the backend's base URL (the API lives under `/api/v1`) and a sensor or admin token. */
export interface UploadTarget {
  url: string;
  token: string;
}

export interface UploadRetry {
  /** Tries per upload, the first included; default 4. */
  attempts?: number;
  /** First backoff, doubled on each retry, with jitter; default 1 s. */
  baseDelayMs?: number;
  /** Longest wait before a retry; a Retry-After asking for more ends the retries; default 30 s. */
  maxDelayMs?: number;
}

export interface UploaderOptions {
  /** For HTTPS_PROXY, HTTP_PROXY and NO_PROXY; default process.env. */
  env?: Environment;
  retry?: UploadRetry;
  timeouts?: HttpTimeouts;
}

/** What the backend answered to an accepted upload. */
export interface UploadReceipt {
  /** The image id the backend keys the image by (its config digest, else its manifest digest). */
  id: string;
  /** False when the upload replaced an image already stored. */
  created: boolean;
  packages: number;
  findings: number;
  attempts: number;
}

/**
 * - `rejected`: the server refused this inventory (400, 413, 415…); sending it again cannot help.
 * - `unauthorized`: 401 or 403, or no upload endpoint at the URL (404, 405): the sensor's settings are wrong,
 *   not the inventory.
 * - `unavailable`: the server could not be reached or kept failing (network, 408, 429, 5xx); try later.
 */
export type UploadFailure = "rejected" | "unauthorized" | "unavailable";

export class UploadError extends SourceError {
  readonly failure: UploadFailure;
  readonly status: number | undefined;
  /** How long the server asked to wait, when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: { failure: UploadFailure; status?: number; retryAfterMs?: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.failure = details.failure;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

const retryStatuses = new Set([408, 429, 500, 502, 503, 504]);
const endpointStatuses = new Set([401, 403, 404, 405]);
const maxAnswerBytes = 256 * 1024;

/** The JSON the backend receives, gzip'd: what the upload queue stores and what is sent. */
export async function gzipInventory(inventory: Inventory): Promise<Buffer> {
  return gzipAsync(Buffer.from(JSON.stringify(inventory), "utf8"));
}

/** Checks a target before anything is scanned, so that a bad URL or token fails fast. */
export function uploadEndpoint(target: UploadTarget): URL {
  let base: URL;
  try {
    base = new URL(target.url);
  } catch (error) {
    throw new InputError(`"${target.url}" is not a URL; give the backend's address, such as https://strata.example`, {
      cause: error,
    });
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new InputError(`the backend URL must be http:// or https://, not ${base.protocol}`);
  }
  if (base.username !== "" || base.password !== "") {
    throw new InputError("the backend URL must not hold credentials; give the token separately");
  }
  if (target.token === "") throw new InputError("no upload token: pass --token or set STRATA_TOKEN");
  // Header values cannot hold control characters; printable ASCII without spaces covers every token format.
  if (!/^[\x21-\x7e]+$/.test(target.token)) {
    throw new InputError("the upload token holds spaces or characters that an HTTP header cannot carry");
  }
  const path = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
  return new URL(`${path}api/v1/inventories`, base.origin);
}

/** One connection pool for many uploads, such as a queue being drained. */
export class Uploader {
  private readonly endpoint: URL;
  private readonly authorization: string;
  private readonly transport: HttpTransport;
  private readonly retry: Required<UploadRetry>;

  constructor(target: UploadTarget, options: UploaderOptions = {}) {
    this.endpoint = uploadEndpoint(target);
    this.authorization = `Bearer ${target.token}`;
    this.transport = new HttpTransport({
      env: options.env ?? process.env,
      retry: { attempts: 1 },
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    });
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 4),
      baseDelayMs: options.retry?.baseDelayMs ?? 1000,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    };
  }

  /** The endpoint, for messages: it holds no secret. */
  get url(): string {
    return this.endpoint.href;
  }

  upload(inventory: Inventory, signal?: AbortSignal): Promise<UploadReceipt> {
    return gzipInventory(inventory).then((body) => this.uploadCompressed(body, signal));
  }

  /** Sends an inventory already gzip'd (as the queue stores it). Throws UploadError when it is not accepted. */
  async uploadCompressed(body: Uint8Array, signal?: AbortSignal): Promise<UploadReceipt> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let response: HttpResponse;
      try {
        response = await this.transport.send(this.endpoint, {
          method: "POST",
          headers: {
            authorization: this.authorization,
            "content-type": "application/json",
            "content-encoding": "gzip",
            accept: "application/json",
          },
          body,
          attempts: 1,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        const failure = new UploadError(
          `cannot upload to ${this.endpoint.href}: ${errorMessage(error)}`,
          { failure: "unavailable" },
          { cause: error },
        );
        if (attempt >= this.retry.attempts) throw failure;
        await sleep(this.backoff(attempt), undefined, signal ? { signal } : {});
        continue;
      }
      if (response.status === 200 || response.status === 201) return this.receipt(response, attempt);
      if (!retryStatuses.has(response.status)) throw await this.refusal(response);
      const asked = retryAfterMs(response.headers["retry-after"]);
      if (attempt >= this.retry.attempts || (asked !== undefined && asked > this.retry.maxDelayMs)) {
        throw await this.refusal(response, asked);
      }
      await response.body.dump();
      await sleep(asked ?? this.backoff(attempt), undefined, signal ? { signal } : {});
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async receipt(response: HttpResponse, attempts: number): Promise<UploadReceipt> {
    const answer = await readAnswer(response);
    if (
      !isJsonObject(answer) ||
      typeof answer["id"] !== "string" ||
      typeof answer["created"] !== "boolean" ||
      typeof answer["packages"] !== "number" ||
      typeof answer["findings"] !== "number"
    ) {
      throw new UploadError(
        `${this.endpoint.href} accepted the upload (${response.status}) but its answer is not a Strata backend's`,
        { failure: "unauthorized", status: response.status },
      );
    }
    return {
      id: answer["id"],
      created: answer["created"],
      packages: answer["packages"],
      findings: answer["findings"],
      attempts,
    };
  }

  private async refusal(response: HttpResponse, retryAfter?: number): Promise<UploadError> {
    const status = response.status;
    const detail = describeAnswer(await readAnswer(response).catch(() => undefined));
    const reason = STATUS_CODES[status] ?? "";
    const said = `${status}${reason === "" ? "" : ` ${reason}`}${detail === "" ? "" : `: ${detail}`}`;
    if (retryStatuses.has(status)) {
      const wait = retryAfter === undefined ? "" : `; it asks to retry after ${Math.ceil(retryAfter / 1000)} s`;
      return new UploadError(`${this.endpoint.href} is unavailable (${said})${wait}`, {
        failure: "unavailable",
        status,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      });
    }
    if (endpointStatuses.has(status)) {
      const hint =
        status === 401
          ? " (is the token right?)"
          : status === 403
            ? " (the token needs the sensor or admin role)"
            : " (is this a Strata backend's URL?)";
      return new UploadError(`${this.endpoint.href} refused the upload: ${said}${hint}`, {
        failure: "unauthorized",
        status,
      });
    }
    return new UploadError(`${this.endpoint.href} rejected the inventory: ${said}`, { failure: "rejected", status });
  }

  private backoff(attempt: number): number {
    const exponential = this.retry.baseDelayMs * 2 ** (attempt - 1);
    return Math.min(exponential * (0.5 + Math.random() / 2), this.retry.maxDelayMs);
  }
}

/** Uploads one inventory and closes the connection. */
export async function uploadInventory(
  target: UploadTarget,
  inventory: Inventory,
  options: UploaderOptions = {},
): Promise<UploadReceipt> {
  const uploader = new Uploader(target, options);
  try {
    return await uploader.upload(inventory);
  } finally {
    await uploader.close();
  }
}

async function readAnswer(response: HttpResponse): Promise<unknown> {
  let text: string;
  try {
    text = (await readBounded(response, maxAnswerBytes, "the backend's answer")).toString("utf8");
  } catch (error) {
    if (error instanceof LimitError) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text.trim().slice(0, 200);
  }
}

/** The backend's `{ error, problems: [{ path, message }] }`, as one line. */
function describeAnswer(answer: unknown): string {
  if (typeof answer === "string") return answer;
  if (!isJsonObject(answer)) return "";
  const parts: string[] = [];
  if (typeof answer["error"] === "string") parts.push(answer["error"]);
  const problems = Array.isArray(answer["problems"]) ? answer["problems"] : [];
  for (const problem of problems.slice(0, 10)) {
    if (!isJsonObject(problem)) continue;
    const path = typeof problem["path"] === "string" ? problem["path"] : "";
    const message = typeof problem["message"] === "string" ? problem["message"] : "";
    if (path !== "" || message !== "") parts.push(path === "" ? message : `${path}: ${message}`);
  }
  return parts.join("; ");
}
