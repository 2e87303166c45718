import { ecosystemsFor } from "../../src/vulndb/ecosystems-for.ts";
import type { StrataDb } from "../db/tables.ts";
import { decodeInventory } from "./inventory-blob.ts";
import { stringList } from "./json-columns.ts";

/**
 * The OSV ecosystems the stored images need ("Debian", "npm", …): what the server keeps up to date.
 * Images stored before this was kept get it computed from their inventory, once.
 */
export async function neededEcosystems(db: StrataDb): Promise<string[]> {
  const missing = await db.selectFrom("images").select("id").where("advisory_ecosystems", "is", null).execute();
  for (const { id } of missing) {
    const row = await db.selectFrom("images").select("inventory").where("id", "=", id).executeTakeFirst();
    if (!row) continue;
    const ecosystems = ecosystemsFor(decodeInventory(row.inventory));
    await db
      .updateTable("images")
      .set({ advisory_ecosystems: JSON.stringify(ecosystems) })
      .where("id", "=", id)
      .execute();
  }
  const lists = await db.selectFrom("images").select("advisory_ecosystems").distinct().execute();
  const names = new Set(
    lists.flatMap((row) => (row.advisory_ecosystems === null ? [] : stringList(row.advisory_ecosystems))),
  );
  return [...names].sort();
}
