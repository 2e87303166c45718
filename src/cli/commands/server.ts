import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createServerToken, reevaluateStored, startServer } from "../../../backend/main.ts";
import { isRole, roles } from "../../../backend/store/tokens.ts";
import { InputError } from "../../errors.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

export interface ServerCommandOptions {
  database: string;
  advisoryDb?: string;
  host: string;
  port: string;
  createToken?: string;
  tokenName?: string;
  reevaluate?: true;
}

/** strata server: serve the API, or (with --create-token / --reevaluate) do that one thing and exit. */
export async function runServer(options: ServerCommandOptions): Promise<number> {
  try {
    if (options.createToken !== undefined) {
      const role = options.createToken;
      if (!isRole(role)) throw new InputError(`--create-token takes ${roles.join(", ")}, not "${role}"`);
      const token = await createServerToken({ database: options.database, role, name: options.tokenName ?? role });
      process.stdout.write(`${token}\n`);
      return exitCodes.ok;
    }
    const advisoryDb = options.advisoryDb ?? defaultDatabasePath(process.env);
    await mkdir(dirname(advisoryDb), { recursive: true });
    if (options.reevaluate) {
      const result = await reevaluateStored({ database: options.database, advisoryDb });
      process.stderr.write(
        `strata: re-evaluated ${result.images} images: ${result.findings} findings` +
          `${result.skipped > 0 ? `, ${result.skipped} skipped (re-uploaded meanwhile)` : ""}\n`,
      );
      return exitCodes.ok;
    }
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InputError(`--port ${options.port} is not a port`);
    }
    const server = await startServer({ port, host: options.host, database: options.database, advisoryDb });
    process.stderr.write(`strata: server listening on ${server.url} (advisories: ${advisoryDb})\n`);
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
