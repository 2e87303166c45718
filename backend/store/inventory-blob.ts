import { gunzipSync, gzipSync } from "node:zlib";
import type { Inventory } from "../../src/model/inventory.ts";
import { parseInventory } from "../inventory/inventory-schema.ts";

/** Inventories are stored compressed: JSON of a few hundred packages shrinks about tenfold. */
export function encodeInventory(inventory: Inventory): Buffer {
  return gzipSync(JSON.stringify(inventory), { level: 1 });
}

/** Reads a stored inventory back, checked like an upload (it may have been written by an older server). */
export function decodeInventory(blob: Uint8Array): Inventory {
  const json: unknown = JSON.parse(gunzipSync(blob).toString("utf8"));
  return parseInventory(json);
}
