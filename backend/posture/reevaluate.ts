import type { StrataDb } from "../db/tables.ts";
import { decodeInventory } from "../store/inventory-blob.ts";
import { replaceFindings } from "../store/write-findings.ts";
import { ecosystemsFor } from "../../src/vulndb/ecosystems-for.ts";
import type { AdvisorySource, AdvisoryStatus } from "./advisory-source.ts";
import { evaluateInventory } from "./ingest.ts";

export interface ReevaluationResult {
  /** Images whose findings were recomputed. */
  images: number;
  /** Findings they have now, in all. */
  findings: number;
  /** Findings that were not there before (a package and a vulnerability id), over all images. */
  added: number;
  /** Findings that are gone. */
  removed: number;
  /** Images whose set of findings changed. */
  changed: number;
  /** Images re-uploaded while this ran: the upload's own findings are newer, so they were left alone. */
  skipped: number;
  /** What the images were matched against; `dataVersion` is the one read before matching. */
  advisories: AdvisoryStatus;
}

export interface ImageChange {
  id: string;
  reference: string;
  added: number;
  removed: number;
  findings: number;
}

export interface ReevaluationOptions {
  /** "stale": only images evaluated against another advisory data version than the current one. */
  only?: "all" | "stale";
  now?: Date;
  /** Called for each image whose findings changed. */
  onChange?: (change: ImageChange) => void;
}

/**
 * Matches stored inventories against the advisory database again, so that advisories imported since an
 * upload show up without a rescan. One image at a time, each in its own transaction.
 */
export async function reevaluateAll(
  db: StrataDb,
  advisories: AdvisorySource,
  options: ReevaluationOptions = {},
): Promise<ReevaluationResult> {
  const now = (options.now ?? new Date()).toISOString();
  const status = advisories.status();
  const version = status.dataVersion;
  const result: ReevaluationResult = {
    images: 0,
    findings: 0,
    added: 0,
    removed: 0,
    changed: 0,
    skipped: 0,
    advisories: status,
  };
  let pending = db.selectFrom("images").select("id");
  if (options.only === "stale")
    pending = pending.where((eb) => eb.or([eb("advisory_version", "is", null), eb("advisory_version", "!=", version)]));
  const ids = await pending.orderBy("id").execute();
  const store = advisories.store();
  for (const { id } of ids) {
    const row = await db
      .selectFrom("images")
      .select(["revision", "reference", "inventory"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) continue;
    const inventory = decodeInventory(row.inventory);
    const findings = evaluateInventory(store, inventory);
    const change = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("images")
        .set({
          finding_count: findings.length,
          evaluated_at: now,
          advisory_version: version,
          advisory_ecosystems: JSON.stringify(ecosystemsFor(inventory)),
        })
        .where("id", "=", id)
        .where("revision", "=", row.revision)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return undefined;
      const before = await trx
        .selectFrom("findings")
        .select(["package_id", "vulnerability_id"])
        .where("image_id", "=", id)
        .execute();
      await replaceFindings(trx, id, findings);
      const old = new Set(before.map((finding) => key(finding.package_id, finding.vulnerability_id)));
      const current = new Set(findings.map((finding) => key(finding.packageId, finding.id)));
      return {
        id,
        reference: row.reference,
        added: [...current].filter((entry) => !old.has(entry)).length,
        removed: [...old].filter((entry) => !current.has(entry)).length,
        findings: findings.length,
      };
    });
    if (!change) {
      result.skipped += 1;
      continue;
    }
    result.images += 1;
    result.findings += findings.length;
    result.added += change.added;
    result.removed += change.removed;
    if (change.added > 0 || change.removed > 0) {
      result.changed += 1;
      options.onChange?.(change);
    }
  }
  return result;
}

function key(packageId: string, vulnerabilityId: string): string {
  return `${packageId}\u0000${vulnerabilityId}`;
}
