import { homedir } from "node:os";
import { join } from "node:path";

/** $XDG_CACHE_HOME/strata/layers, or ~/.cache/strata/layers. */
export function defaultLayerCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "strata", "layers");
}

export const defaultLayerCacheBytes = 2 * 1024 * 1024 * 1024;
