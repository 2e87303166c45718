import { existsSync } from "node:fs";
import type { Finding } from "../model/finding.ts";
import type { Inventory } from "../model/inventory.ts";
import type { ScanReport } from "../model/report.ts";
import { openCurrentVulnDatabase } from "../vulndb/database.ts";
import { sqliteAdvisoryStore } from "./advisory-store.ts";
import { matchPackages } from "./matcher.ts";

/** Adds findings from the advisory database at `path`; undefined when there is no database there. */
export function matchInventory(inventory: Inventory, path: string): ScanReport | undefined {
  if (!existsSync(path)) return undefined;
  const db = openCurrentVulnDatabase(path);
  try {
    const findings: Finding[] = matchPackages(sqliteAdvisoryStore(db), inventory.packages, inventory.distro);
    const sources = db
      .prepare<[], { name: string; imported_at: string }>("SELECT name, imported_at FROM sources ORDER BY name")
      .all();
    const updatedAt = sources
      .map((source) => source.imported_at)
      .sort()
      .at(-1);
    return {
      ...inventory,
      vulnerabilities: {
        database: { ...(updatedAt === undefined ? {} : { updatedAt }), sources: sources.map((source) => source.name) },
        findings,
      },
    };
  } finally {
    db.close();
  }
}
