import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RetryPolicy } from "../src/vulndb/download.ts";
import { createApp } from "./api/app.ts";
import type { BackendLimits } from "./api/deps.ts";
import { type BackendDatabase, openDatabase } from "./db/connect.ts";
import { type AdvisorySource, openAdvisorySource } from "./posture/advisory-source.ts";
import { type AdvisoryUpdater, advisoryUpdater } from "./posture/advisory-updater.ts";
import { postureKeeper } from "./posture/keeper.ts";
import { type ReevaluationResult, reevaluateAll } from "./posture/reevaluate.ts";
import type { UpdateSummary } from "./posture/update-in-worker.ts";
import {
  createToken,
  findToken,
  listTokens,
  type Role,
  revokeToken,
  type TokenInfo,
  tokenStore,
} from "./store/tokens.ts";

export interface AdvisoryUpdateOptions {
  /** Where `<Ecosystem>/all.zip` is downloaded from: src/vulndb/update.ts `osvBaseUrl()`. */
  baseUrl: string;
  /** An ecosystem the stored images need is updated when it is older than this. Default 24 h. */
  intervalMs?: number;
  /** After a failed update, the wait before trying that ecosystem again. Default: the interval, at most 15 min. */
  retryAfterMs?: number;
  /** Retries of one download. */
  retry?: RetryPolicy;
}

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1; "0.0.0.0" to accept sensors from other machines. */
  host?: string;
  /** "sqlite:PATH" or "postgres://user:password@host:port/database". */
  database: string;
  /** The SQLite OSV advisory database (`strata db import` writes it); created empty when missing. */
  advisoryDb: string;
  /** How often the advisory database's data version is read; a change re-evaluates the images. Default 60 s. */
  advisoryCheckIntervalMs?: number;
  /** Download advisory updates for the ecosystems the stored images need. Absent: never (offline). */
  advisoryUpdates?: AdvisoryUpdateOptions;
  limits?: Partial<BackendLimits>;
  log?: (line: string) => void;
  /** The built web UI (default: web/dist of this package). */
  uiDir?: string;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  /** Re-matches every stored inventory (the server also does it by itself when the advisories change). */
  reevaluate(): Promise<ReevaluationResult>;
  /** Looks at the advisory data version now instead of at the next interval. */
  checkAdvisories(): Promise<ReevaluationResult | undefined>;
  /** Runs the advisory update now, if advisoryUpdates is set and an ecosystem is due. */
  updateAdvisories(): Promise<UpdateSummary | undefined>;
  close(): Promise<void>;
}

export const defaultAdvisoryCheckIntervalMs = 60_000;
export const defaultAdvisoryUpdateIntervalMs = 24 * 60 * 60_000;

/** config → databases → API → @hono/node-server, listening when the promise resolves. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { database, advisories } = await openStores(options.database, options.advisoryDb);
  const log =
    options.log ??
    ((line: string) => {
      process.stderr.write(`${line}\n`);
    });
  const checkIntervalMs = options.advisoryCheckIntervalMs ?? defaultAdvisoryCheckIntervalMs;
  const keeper = postureKeeper({ db: database.db, advisories, checkIntervalMs, log });
  const updates = options.advisoryUpdates;
  const updater: AdvisoryUpdater | undefined = updates
    ? advisoryUpdater({
        db: database.db,
        advisoryDb: options.advisoryDb,
        baseUrl: updates.baseUrl,
        intervalMs: updates.intervalMs ?? defaultAdvisoryUpdateIntervalMs,
        checkIntervalMs,
        ...(updates.retryAfterMs === undefined ? {} : { retryAfterMs: updates.retryAfterMs }),
        ...(updates.retry === undefined ? {} : { retry: updates.retry }),
        log,
        onImported: () => keeper.check(),
      })
    : undefined;
  const app = createApp({
    db: database.db,
    advisories,
    tokens: tokenStore(database.db),
    reevaluate: () => keeper.reevaluateAll(),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }),
    log,
  });
  const host = options.host ?? "127.0.0.1";
  const closeStores = async (): Promise<void> => {
    advisories.close();
    await database.close();
  };
  let server: ReturnType<typeof serve> | undefined;
  let address: AddressInfo;
  try {
    address = await new Promise<AddressInfo>((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: options.port, hostname: host }, resolve);
      server.once("error", reject);
    });
  } catch (error) {
    server?.close();
    await closeStores();
    throw error;
  }
  keeper.start();
  updater?.start();
  const listening = server;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    reevaluate: () => keeper.reevaluateAll(),
    checkAdvisories: () => keeper.check(),
    updateAdvisories: () => updater?.tick() ?? Promise.resolve(undefined),
    close: async () => {
      await updater?.stop();
      await keeper.stop();
      if (listening) {
        await new Promise<void>((resolve) => {
          listening.close(() => {
            resolve();
          });
          if ("closeAllConnections" in listening) listening.closeAllConnections();
        });
      }
      await closeStores();
    },
  };
}

/** For `strata server --create-token ROLE`: prints once, stores only the hash. */
export async function createServerToken(options: { database: string; role: Role; name: string }): Promise<string> {
  return withDatabase(options.database, (database) => createToken(database.db, options.role, options.name));
}

/** For `strata server --list-tokens`. */
export async function listServerTokens(options: { database: string }): Promise<TokenInfo[]> {
  return withDatabase(options.database, (database) => listTokens(database.db));
}

/** For `strata server --revoke-token ID_OR_NAME`: an unknown or ambiguous name is an InputError. */
export async function revokeServerToken(options: { database: string; idOrName: string }): Promise<TokenInfo> {
  return withDatabase(options.database, async (database) => {
    const token = await findToken(database.db, options.idOrName);
    await revokeToken(database.db, token.id);
    return token;
  });
}

/** For the CLI, after `strata db import`: recomputes the findings of every stored image. */
export async function reevaluateStored(options: { database: string; advisoryDb: string }): Promise<ReevaluationResult> {
  const { database, advisories } = await openStores(options.database, options.advisoryDb);
  try {
    return await reevaluateAll(database.db, advisories);
  } finally {
    advisories.close();
    await database.close();
  }
}

async function withDatabase<T>(url: string, use: (database: BackendDatabase) => Promise<T>): Promise<T> {
  const database = await openDatabase(url);
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

async function openStores(
  databaseUrl: string,
  advisoryDb: string,
): Promise<{ database: BackendDatabase; advisories: AdvisorySource }> {
  const database = await openDatabase(databaseUrl);
  try {
    return { database, advisories: openAdvisorySource(advisoryDb) };
  } catch (error) {
    await database.close();
    throw error;
  }
}
