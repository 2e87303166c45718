import type { Inventory } from "../model/inventory.ts";

/** The inventory as stable JSON: fixed key order from the model, two-space indent, trailing newline. */
export function renderJson(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}
