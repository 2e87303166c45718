import type { Finding } from "./finding.ts";
import type { Inventory } from "./inventory.ts";

/** What a scan reports: the inventory, plus findings when advisories were checked. */
export interface ScanReport extends Inventory {
  vulnerabilities?: {
    /** When the advisory database was last updated, and from which sources. */
    database: { updatedAt?: string; sources: string[] };
    findings: Finding[];
  };
}
