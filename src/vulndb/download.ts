import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, interceptors, request } from "undici";
import { SourceError, errorMessage } from "../errors.ts";

/** What identifies one version of a remote file (HTTP validators). */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface RetryPolicy {
  /** Requests per download, the first one included. */
  attempts: number;
  /** Delay before the second attempt; doubled for each one after. */
  baseDelayMs: number;
  /** Cap on one delay, Retry-After included. */
  maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  deadlineMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  deadlineMs: 180_000,
};

export interface DownloadOptions {
  url: string;
  /** Where the file ends up; it is written to `<dest>.part` and renamed once `validate` accepts it. */
  dest: string;
  /** The version already held, sent as If-None-Match / If-Modified-Since. */
  known?: Validators;
  dispatcher: Dispatcher;
  /** Rejects a complete file that is not acceptable; the file is then deleted. */
  validate: (path: string) => Promise<void>;
  retry?: RetryPolicy;
  headersTimeoutMs?: number;
  /** Longest silence while the body streams. */
  bodyTimeoutMs?: number;
}

export type DownloadResult =
  | { status: "not-modified"; attempts: number }
  | {
      status: "downloaded";
      validators: Validators;
      /** Bytes received over the network in all attempts. */
      received: number;
      size: number;
      /** Offset of the last resumed request; 0 when the file came in one piece. */
      resumedFrom: number;
      attempts: number;
    };

/** The resumable state of `<dest>.part`, kept beside it. */
interface PartState extends Validators {
  url: string;
  total?: number;
}

/**
 * Downloads `url` to `dest` with conditional requests, resumption of an interrupted body
 * (Range + If-Range, only with a strong validator), and bounded retries with backoff.
 * Throws SourceError naming the URL when it gives up.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const policy = options.retry ?? defaultRetryPolicy;
  const dispatcher = options.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  const started = Date.now();
  const counter = { received: 0 };
  for (let attempt = 1; ; attempt += 1) {
    let outcome: Attempt;
    try {
      outcome = await attemptDownload(options, dispatcher, counter);
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError(`could not download ${options.url}: ${errorMessage(error)}`, { cause: error });
    }
    if (outcome.status === "not-modified") return { status: "not-modified", attempts: attempt };
    if (outcome.status === "downloaded") return { ...outcome, received: counter.received, attempts: attempt };
    const delay = Math.min(policy.maxDelayMs, outcome.retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1));
    if (attempt >= policy.attempts || Date.now() - started + delay > policy.deadlineMs) {
      throw new SourceError(
        `could not download ${options.url}: ${outcome.reason} (gave up after ${attempt} attempt${attempt === 1 ? "" : "s"})`,
        { cause: outcome.cause },
      );
    }
    await sleep(delay);
  }
}

type Attempt =
  | { status: "not-modified" }
  | { status: "downloaded"; validators: Validators; size: number; resumedFrom: number }
  /** A failure worth another attempt: network errors, 5xx, 429, a short body. */
  | { status: "retry"; reason: string; retryAfterMs?: number; cause?: unknown };

const retry = (reason: string, retryAfterMs?: number, cause?: unknown): Attempt => ({
  status: "retry",
  reason,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  ...(cause === undefined ? {} : { cause }),
});

async function attemptDownload(
  options: DownloadOptions,
  dispatcher: Dispatcher,
  counter: { received: number },
): Promise<Attempt> {
  const part = `${options.dest}.part`;
  const statePath = `${part}.json`;
  const resumeFrom = await resumableOffset(part, statePath, options.url);
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (options.known?.etag) headers["if-none-match"] = options.known.etag;
  if (options.known?.lastModified) headers["if-modified-since"] = options.known.lastModified;
  if (resumeFrom) {
    headers["range"] = `bytes=${resumeFrom.offset}-`;
    headers["if-range"] = resumeFrom.validator;
  }
  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      dispatcher,
      headers,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    });
  } catch (error) {
    return retry(errorMessage(error), undefined, error);
  }
  const { statusCode, body } = response;
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (statusCode === 304) {
    await drain(body);
    if (!options.known) throw new SourceError(`${options.url}: HTTP 304 to a request that was not conditional`);
    return { status: "not-modified" };
  }
  if (statusCode === 416) {
    await drain(body);
    await discard(part, statePath);
    return retry("HTTP 416: the partial download no longer fits; starting again", 0);
  }
  if (statusCode === 429 || statusCode === 408 || statusCode >= 500) {
    await drain(body);
    return retry(`HTTP ${statusCode}`, retryAfterMs(header("retry-after")));
  }
  if (statusCode !== 200 && statusCode !== 206) {
    await drain(body);
    throw new SourceError(`could not download ${options.url}: HTTP ${statusCode}`);
  }

  const validators: Validators = {};
  const etag = header("etag");
  const lastModified = header("last-modified");
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  let offset = 0;
  let total: number | undefined;
  if (statusCode === 206) {
    const range = parseContentRange(header("content-range"));
    if (!resumeFrom || range?.start !== resumeFrom.offset || (etag && resumeFrom.state.etag !== etag)) {
      await drain(body);
      await discard(part, statePath);
      return retry("the server answered a different range than asked; starting again", 0);
    }
    offset = range.start;
    total = range.total;
  } else {
    total = contentLength(header("content-length"));
    const state: PartState = { url: options.url, ...validators, ...(total === undefined ? {} : { total }) };
    await writeFile(statePath, JSON.stringify(state));
  }

  const file = await open(part, statusCode === 206 ? "r+" : "w");
  let size = offset;
  let broken: unknown;
  try {
    const chunks = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (error) {
        broken = error;
        break;
      }
      if (next.done) break;
      if (!(next.value instanceof Buffer)) continue;
      await file.write(next.value, 0, next.value.length, size);
      size += next.value.length;
      counter.received += next.value.length;
    }
  } finally {
    await file.close();
  }
  if (broken !== undefined) {
    body.destroy();
    return retry(`the connection broke after ${size} bytes: ${errorMessage(broken)}`, undefined, broken);
  }
  if (total !== undefined && size !== total) return retry(`the body ended after ${size} of ${total} bytes`);
  try {
    await options.validate(part);
  } catch (error) {
    await discard(part, statePath);
    throw new SourceError(`${options.url} sent an unusable file: ${errorMessage(error)}`, { cause: error });
  }
  await rename(part, options.dest);
  await rm(statePath, { force: true });
  return { status: "downloaded", validators, size, resumedFrom: offset };
}

interface Resume {
  offset: number;
  validator: string;
  state: PartState;
}

/** Where an earlier attempt stopped, when the part file can be continued with If-Range. */
async function resumableOffset(part: string, statePath: string, url: string): Promise<Resume | undefined> {
  const info = await stat(part).catch(() => undefined);
  if (!info || info.size === 0) return undefined;
  const state = readPartState(await readFile(statePath, "utf8").catch(() => ""));
  // If-Range needs a strong validator: a weak ETag (W/"...") cannot promise identical bytes.
  const validator = state?.etag && !state.etag.startsWith("W/") ? state.etag : state?.lastModified;
  if (!state || state.url !== url || !validator || (state.total !== undefined && info.size >= state.total)) {
    await discard(part, statePath);
    return undefined;
  }
  return { offset: info.size, validator, state };
}

function readPartState(text: string): PartState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || !("url" in value) || typeof value.url !== "string") {
    return undefined;
  }
  const state: PartState = { url: value.url };
  if ("etag" in value && typeof value.etag === "string") state.etag = value.etag;
  if ("lastModified" in value && typeof value.lastModified === "string") state.lastModified = value.lastModified;
  if ("total" in value && typeof value.total === "number") state.total = value.total;
  return state;
}

/** Reads and drops a body we do not want; a broken connection here changes nothing. */
async function drain(body: Dispatcher.ResponseData["body"]): Promise<void> {
  await body.dump().catch(() => undefined);
}

async function discard(part: string, statePath: string): Promise<void> {
  await rm(part, { force: true });
  await rm(statePath, { force: true });
}

function contentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** `bytes 100-199/200` → start 100, total 200 (total undefined for `*`). */
function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!match?.[1] || !match[3]) return undefined;
  return { start: Number(match[1]), ...(match[3] === "*" ? {} : { total: Number(match[3]) }) };
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
