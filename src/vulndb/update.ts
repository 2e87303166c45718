import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Dispatcher, EnvHttpProxyAgent } from "undici";
import { InputError, SourceError } from "../errors.ts";
import { type VulnDatabase, openVulnDatabase } from "./database.ts";
import { type RetryPolicy, type Validators, downloadFile } from "./download.ts";
import { type ImportStats, importOsvZip } from "./import-zip.ts";
import { checkZip } from "./zip-check.ts";

/** osv.dev's public bucket: `<base>/<Ecosystem>/all.zip`. */
export const defaultOsvBaseUrl = "https://osv-vulnerabilities.storage.googleapis.com";

/** The bucket to download from: the option, else $STRATA_OSV_URL, else osv.dev. */
export function osvBaseUrl(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = option ?? env["STRATA_OSV_URL"];
  return chosen === undefined || chosen === "" ? defaultOsvBaseUrl : chosen;
}

export function osvZipUrl(baseUrl: string, ecosystem: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(ecosystem)}/all.zip`;
}

/** Where downloads in progress are kept, beside the database. */
export function defaultDownloadDir(dbPath: string): string {
  return `${dbPath}-downloads`;
}

export interface UpdateOptions {
  dbPath: string;
  /** OSV ecosystem names: "Debian", "PyPI", "crates.io"... */
  ecosystems: readonly string[];
  baseUrl: string;
  cacheDir: string;
  /** Defaults to an agent that honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY. */
  fetchAgent?: Dispatcher;
  now: Date;
  retry?: RetryPolicy;
  log?: (line: string) => void;
}

export interface EcosystemUpdate {
  ecosystem: string;
  url: string;
  /** "not-modified": the server said the zip is the one already imported. */
  outcome: "imported" | "not-modified";
  /** Bytes received over the network. */
  received: number;
  resumedFrom: number;
  attempts: number;
  stats?: ImportStats;
}

export interface EcosystemFailure {
  ecosystem: string;
  url: string;
  error: SourceError;
}

export interface UpdateReport {
  updated: EcosystemUpdate[];
  /** The database keeps what it had for these. */
  failed: EcosystemFailure[];
}

/**
 * Downloads `<baseUrl>/<Ecosystem>/all.zip` for each ecosystem and imports it. A zip the
 * server says is unchanged (ETag / Last-Modified) is not downloaded again. One ecosystem's
 * failure does not stop the others; each failure is a SourceError naming its URL.
 */
export async function updateDatabase(options: UpdateOptions): Promise<UpdateReport> {
  const ecosystems = [...new Set(options.ecosystems)];
  for (const ecosystem of ecosystems) checkEcosystemName(ecosystem);
  checkBaseUrl(options.baseUrl);
  await mkdir(dirname(options.dbPath), { recursive: true });
  await mkdir(options.cacheDir, { recursive: true });
  const db = openVulnDatabase(options.dbPath);
  const dispatcher = options.fetchAgent ?? new EnvHttpProxyAgent();
  const report: UpdateReport = { updated: [], failed: [] };
  // Hosts that could not be connected to at all: the other zips there are not tried (and retried) again.
  const unreachable = new Map<string, SourceError>();
  try {
    for (const ecosystem of ecosystems) {
      const url = osvZipUrl(options.baseUrl, ecosystem);
      const origin = new URL(url).origin;
      const down = unreachable.get(origin);
      if (down) {
        report.failed.push({
          ecosystem,
          url,
          error: new SourceError(`could not download ${url}: not tried, ${origin} was unreachable`, { cause: down }),
        });
        continue;
      }
      try {
        report.updated.push(await updateOne(db, ecosystem, url, dispatcher, options));
      } catch (error) {
        if (error instanceof SourceError) {
          report.failed.push({ ecosystem, url, error });
          if (isConnectFailure(error.cause)) unreachable.set(origin, error);
        } else if (error instanceof InputError) {
          report.failed.push({ ecosystem, url, error: new SourceError(`${url}: ${error.message}`, { cause: error }) });
        } else throw error;
      }
    }
  } finally {
    db.close();
    if (!options.fetchAgent) await dispatcher.close();
  }
  return report;
}

async function updateOne(
  db: VulnDatabase,
  ecosystem: string,
  url: string,
  dispatcher: Dispatcher,
  options: UpdateOptions,
): Promise<EcosystemUpdate> {
  const zip = join(options.cacheDir, `${encodeURIComponent(ecosystem)}.zip`);
  const known = storedValidators(db, ecosystem);
  options.log?.(`checking ${ecosystem} advisories at ${url}`);
  const result = await downloadFile({
    url,
    dest: zip,
    ...(known ? { known } : {}),
    dispatcher,
    validate: async (path) => {
      await checkZip(path);
    },
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const now = options.now.toISOString();
  if (result.status === "not-modified") {
    db.prepare("UPDATE sources SET imported_at = ? WHERE name = ?").run(now, ecosystem);
    options.log?.(`${ecosystem}: unchanged since the last update`);
    return { ecosystem, url, outcome: "not-modified", received: 0, resumedFrom: 0, attempts: result.attempts };
  }
  options.log?.(`${ecosystem}: downloaded ${result.size} bytes, importing`);
  let stats: ImportStats;
  try {
    stats = await importOsvZip(db, zip, ecosystem);
  } finally {
    await rm(zip, { force: true });
  }
  db.prepare("UPDATE sources SET imported_at = ?, etag = ?, last_modified = ? WHERE name = ?").run(
    now,
    result.validators.etag ?? null,
    result.validators.lastModified ?? null,
    ecosystem,
  );
  return {
    ecosystem,
    url,
    outcome: "imported",
    received: result.received,
    resumedFrom: result.resumedFrom,
    attempts: result.attempts,
    stats,
  };
}

function storedValidators(db: VulnDatabase, ecosystem: string): Validators | undefined {
  const row = db
    .prepare<[string], { etag: string | null; last_modified: string | null }>(
      "SELECT etag, last_modified FROM sources WHERE name = ?",
    )
    .get(ecosystem);
  if (!row || (row.etag === null && row.last_modified === null)) return undefined;
  return {
    ...(row.etag === null ? {} : { etag: row.etag }),
    ...(row.last_modified === null ? {} : { lastModified: row.last_modified }),
  };
}

const connectFailures = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The host (or the proxy) could not be connected to, as opposed to an HTTP error or a broken transfer. */
function isConnectFailure(cause: unknown): boolean {
  return cause instanceof Error && "code" in cause && typeof cause.code === "string" && connectFailures.has(cause.code);
}

function checkBaseUrl(baseUrl: string): void {
  let protocol: string;
  try {
    protocol = new URL(baseUrl).protocol;
  } catch (error) {
    throw new InputError(`"${baseUrl}" is not a URL to download OSV zips from`, { cause: error });
  }
  if (protocol !== "https:" && protocol !== "http:") {
    throw new InputError(`"${baseUrl}": OSV zips are downloaded over https or http only`);
  }
}

function checkEcosystemName(ecosystem: string): void {
  // eslint-disable-next-line no-control-regex
  if (ecosystem.trim() === "" || /[\u0000-\u001f]/.test(ecosystem)) {
    throw new InputError(`"${ecosystem}" is not an OSV ecosystem name`);
  }
}

/** Ecosystems the database already holds, for `strata db update` with no names. */
export function storedEcosystems(db: VulnDatabase): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sources ORDER BY name")
    .all()
    .map((row) => row.name);
}
