import { homedir } from "node:os";
import { join } from "node:path";

/** Where the advisory database lives unless --db says otherwise: $XDG_CACHE_HOME/strata or ~/.cache/strata. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv): string {
  const cache = env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(cache, "strata", "osv.sqlite");
}
