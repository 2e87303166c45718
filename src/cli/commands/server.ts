import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import {
  createServerToken,
  listServerTokens,
  reevaluateStored,
  revokeServerToken,
  startServer,
} from "../../../backend/main.ts";
import { isRole, roles, type TokenInfo } from "../../../backend/store/tokens.ts";
import { InputError } from "../../errors.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";
import { osvBaseUrl } from "../../vulndb/update.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

export interface ServerCommandOptions {
  database: string;
  advisoryDb?: string;
  host: string;
  port: string;
  createToken?: string;
  tokenName?: string;
  listTokens?: true;
  revokeToken?: string;
  reevaluate?: true;
  /** Never download advisory updates. */
  offline?: true;
  /** A duration: "24h", "30m", "90s", "2d", or seconds. */
  advisoryUpdateInterval?: string;
  advisoryCheckInterval?: string;
  dbUrl?: string;
}

export interface ServerCommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: ServerCommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** strata server: serve the API, or (with a token option or --reevaluate) do that one thing and exit. */
export async function runServer(options: ServerCommandOptions, out = processOutput): Promise<number> {
  try {
    if (options.createToken !== undefined) {
      const role = options.createToken;
      if (!isRole(role)) throw new InputError(`--create-token takes ${roles.join(", ")}, not "${role}"`);
      const token = await createServerToken({ database: options.database, role, name: options.tokenName ?? role });
      out.stdout(`${token}\n`);
      return exitCodes.ok;
    }
    if (options.listTokens) {
      out.stdout(tokenTable(await listServerTokens({ database: options.database })));
      return exitCodes.ok;
    }
    if (options.revokeToken !== undefined) {
      const revoked = await revokeServerToken({ database: options.database, idOrName: options.revokeToken });
      out.stderr(`strata: revoked token ${revoked.id} (${revoked.name}, ${revoked.role})\n`);
      return exitCodes.ok;
    }
    const advisoryDb = options.advisoryDb ?? defaultDatabasePath(process.env);
    await mkdir(dirname(advisoryDb), { recursive: true });
    if (options.reevaluate) {
      const result = await reevaluateStored({ database: options.database, advisoryDb });
      out.stderr(
        `strata: re-evaluated ${result.images} images: ${result.findings} findings (${result.added} added, ${result.removed} removed)` +
          `${result.skipped > 0 ? `, ${result.skipped} skipped (re-uploaded meanwhile)` : ""}\n`,
      );
      return exitCodes.ok;
    }
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InputError(`--port ${options.port} is not a port`);
    }
    const checkIntervalMs =
      options.advisoryCheckInterval === undefined
        ? undefined
        : parseDuration(options.advisoryCheckInterval, "--advisory-check-interval");
    const updateIntervalMs =
      options.advisoryUpdateInterval === undefined
        ? undefined
        : parseDuration(options.advisoryUpdateInterval, "--advisory-update-interval");
    const server = await startServer({
      port,
      host: options.host,
      database: options.database,
      advisoryDb,
      ...(checkIntervalMs === undefined ? {} : { advisoryCheckIntervalMs: checkIntervalMs }),
      ...(options.offline
        ? {}
        : {
            advisoryUpdates: {
              baseUrl: osvBaseUrl(options.dbUrl, process.env),
              ...(updateIntervalMs === undefined ? {} : { intervalMs: updateIntervalMs }),
            },
          }),
      log: (line) => {
        out.stderr(`${line}\n`);
      },
    });
    out.stderr(
      `strata: server listening on ${server.url} (advisories: ${advisoryDb}${options.offline ? ", offline" : ""})\n`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    return exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h", "30m", "90s", "1.5d", "500ms", or a bare number of seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  const amount = Number(match?.[1]);
  const ms = Math.round(amount * (units[match?.[2] ?? "s"] ?? 1000));
  if (!match || !(ms > 0)) throw new InputError(`${option} ${text} is not a duration (such as 24h, 30m or 90s)`);
  return ms;
}

/** ID, name, role, created and last used, one token a line; never the secret or its hash. */
export function tokenTable(tokens: readonly TokenInfo[]): string {
  const rows = [
    ["ID", "NAME", "ROLE", "CREATED", "LAST USED"],
    ...tokens.map((token) => [token.id, token.name, token.role, token.created, token.lastUsed ?? "never"]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  "),
    )
    .join("\n")
    .concat("\n");
}
