import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./api/app.ts";
import type { BackendLimits } from "./api/deps.ts";
import { type BackendDatabase, openDatabase } from "./db/connect.ts";
import { type AdvisorySource, openAdvisorySource } from "./posture/advisory-source.ts";
import { type ReevaluationResult, reevaluateAll } from "./posture/reevaluate.ts";
import { createToken, type Role, tokenStore } from "./store/tokens.ts";

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1; "0.0.0.0" to accept sensors from other machines. */
  host?: string;
  /** "sqlite:PATH" or "postgres://user:password@host:port/database". */
  database: string;
  /** The SQLite OSV advisory database (`strata db import` writes it); created empty when missing. */
  advisoryDb: string;
  limits?: Partial<BackendLimits>;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  /** Re-matches every stored inventory: call it after the advisory database was updated. */
  reevaluate(): Promise<ReevaluationResult>;
  close(): Promise<void>;
}

/** config → databases → API → @hono/node-server, listening when the promise resolves. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { database, advisories } = await openStores(options.database, options.advisoryDb);
  const app = createApp({
    db: database.db,
    advisories,
    tokens: tokenStore(database.db),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.log === undefined ? {} : { log: options.log }),
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
  const listening = server;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    reevaluate: () => reevaluateAll(database.db, advisories),
    close: async () => {
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
  const database = await openDatabase(options.database);
  try {
    return await createToken(database.db, options.role, options.name);
  } finally {
    await database.close();
  }
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
