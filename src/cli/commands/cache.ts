import { cleanLayerCache } from "../../cache/layer-cache.ts";
import { defaultLayerCacheDir } from "../../cache/location.ts";
import { formatBytes } from "../../report/table.ts";
import { exitCodes } from "../exit.ts";

export async function runCacheClean(options: { cacheDir?: string }): Promise<number> {
  const dir = options.cacheDir ?? defaultLayerCacheDir(process.env);
  const freed = await cleanLayerCache(dir);
  process.stderr.write(`strata: layer cache at ${dir} cleaned, ${formatBytes(freed)} freed\n`);
  return exitCodes.ok;
}
