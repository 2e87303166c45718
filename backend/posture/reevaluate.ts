import type { StrataDb } from "../db/tables.ts";
import { decodeInventory } from "../store/inventory-blob.ts";
import { replaceFindings } from "../store/write-findings.ts";
import type { AdvisorySource, AdvisoryStatus } from "./advisory-source.ts";
import { evaluateInventory } from "./ingest.ts";

export interface ReevaluationResult {
  /** Images whose findings were recomputed. */
  images: number;
  /** Findings they have now, in all. */
  findings: number;
  /** Images re-uploaded while this ran: the upload's own findings are newer, so they were left alone. */
  skipped: number;
  advisories: AdvisoryStatus;
}

/**
 * Matches every stored inventory against the advisory database again, so that advisories imported since an
 * upload show up without a rescan. One image at a time, each in its own transaction.
 */
export async function reevaluateAll(
  db: StrataDb,
  advisories: AdvisorySource,
  now = new Date(),
): Promise<ReevaluationResult> {
  const result: ReevaluationResult = { images: 0, findings: 0, skipped: 0, advisories: advisories.status() };
  const ids = await db.selectFrom("images").select("id").orderBy("id").execute();
  const store = advisories.store();
  for (const { id } of ids) {
    const row = await db.selectFrom("images").select(["revision", "inventory"]).where("id", "=", id).executeTakeFirst();
    if (!row) continue;
    const inventory = decodeInventory(row.inventory);
    const findings = evaluateInventory(store, inventory);
    const updated = await db.transaction().execute(async (trx) => {
      const changed = await trx
        .updateTable("images")
        .set({ finding_count: findings.length, evaluated_at: now.toISOString() })
        .where("id", "=", id)
        .where("revision", "=", row.revision)
        .executeTakeFirst();
      if (changed.numUpdatedRows === 0n) return false;
      await replaceFindings(trx, id, findings);
      return true;
    });
    if (updated) {
      result.images += 1;
      result.findings += findings.length;
    } else {
      result.skipped += 1;
    }
  }
  return result;
}
