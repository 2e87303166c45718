import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import type { VulnDatabase } from "./database.ts";
import { type ImportStats, importOsvZip } from "./import-zip.ts";

/**
 * Imports OSV zips from a path: one `all.zip` (its folder names the ecosystem), any `*.zip`,
 * or a folder laid out like osv.dev's bucket (`<Ecosystem>/all.zip`).
 */
export async function importOsvPath(db: VulnDatabase, path: string): Promise<ImportStats[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`${path}: no such file or directory`);
  if (info.isFile()) return [await importOsvZip(db, path, sourceName(path))];
  const stats: ImportStats[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const inner = join(path, entry.name);
    if (entry.isDirectory()) {
      const zip = join(inner, "all.zip");
      if (await stat(zip).catch(() => undefined)) stats.push(await importOsvZip(db, zip, entry.name));
    } else if (entry.name.endsWith(".zip")) {
      stats.push(await importOsvZip(db, inner, sourceName(inner)));
    }
  }
  if (stats.length === 0) throw new InputError(`${path}: no OSV zips found (expected <Ecosystem>/all.zip or *.zip)`);
  return stats;
}

function sourceName(zipPath: string): string {
  return basename(zipPath) === "all.zip" ? basename(dirname(zipPath)) : basename(zipPath, ".zip");
}
