import { InternalError } from "../../src/errors.ts";
import type { AdvisoryStore } from "../../src/match/advisory-store.ts";
import { matchPackages } from "../../src/match/matcher.ts";
import type { Finding } from "../../src/model/finding.ts";
import type { Inventory } from "../../src/model/inventory.ts";
import { ecosystemsFor } from "../../src/vulndb/ecosystems-for.ts";
import type { StrataDb } from "../db/tables.ts";
import { imageKey, writeInventory } from "../store/write-inventory.ts";
import type { AdvisorySource } from "./advisory-source.ts";
import { type SeverityCounts, severityCounts } from "./severity-counts.ts";

export interface IngestResult {
  id: string;
  created: boolean;
  packages: number;
  findings: number;
  severities: SeverityCounts;
}

/** Findings come from the server's own advisory database; whatever the sensor thought is not consulted. */
export function evaluateInventory(store: AdvisoryStore, inventory: Inventory): Finding[] {
  return matchPackages(store, inventory.packages, inventory.distro);
}

/** Matches a validated inventory and stores it with its findings, replacing an earlier upload of the same image. */
export async function ingestInventory(
  db: StrataDb,
  advisories: AdvisorySource,
  inventory: Inventory,
  now = new Date(),
): Promise<IngestResult> {
  const id = imageKey(inventory.image);
  if (id === undefined) throw new InternalError("a validated inventory has no image digest");
  const advisoryVersion = advisories.dataVersion();
  const findings = evaluateInventory(advisories.store(), inventory);
  const evaluation = { advisoryVersion, ecosystems: ecosystemsFor(inventory) };
  const stored = await writeInventory(db, id, inventory, findings, evaluation, now);
  return {
    id,
    created: stored.created,
    packages: inventory.packages.length,
    findings: findings.length,
    severities: severityCounts(findings.map((finding) => finding.severity.rating)),
  };
}
