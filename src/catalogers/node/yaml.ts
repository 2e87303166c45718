import { FAILSAFE_SCHEMA, loadAll } from "js-yaml";

/** Collections and scalars one YAML lock file may hold (a 32 MiB pnpm-lock.yaml holds about 2 million). */
const maxNodes = 5_000_000;
/**
 * Keys, scalars and collections js-yaml may be asked to build for one file, counted before it starts:
 * it holds them all as events, then as values, at about 200 bytes each (a realistic 32 MiB
 * pnpm-lock.yaml counts about 2.6 million).
 */
const maxItems = 3_000_000;

/**
 * The documents of a YAML lock file, every scalar a string (the failsafe schema: "5.10" stays
 * "5.10", `true` is "true"). Aliases are refused outright, so the result is never larger than the
 * text (no "billion laughs"); nesting is capped and so is the node count. A later duplicate key
 * wins, as in JSON. Returns the problem as a string when the text is not loadable.
 */
export function loadYamlDocuments(source: string): unknown[] | string {
  if (itemsAtMost(source) > maxItems) return `more than ${maxItems} YAML keys, values and collections: not read`;
  let documents: unknown[];
  try {
    documents = loadAll(source, { schema: FAILSAFE_SCHEMA, json: true, maxAliases: 0, maxDepth: 32 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `invalid YAML: ${message.split("\n")[0] ?? message}`;
  }
  if (countNodes(documents) > maxNodes) return `more than ${maxNodes} YAML nodes: not read`;
  return documents;
}

function countNodes(root: unknown): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0 && count <= maxNodes) {
    const value = stack.pop();
    count += 1;
    if (Array.isArray(value)) {
      const items: readonly unknown[] = value;
      for (const item of items) stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) stack.push(item);
    }
  }
  return count;
}

/**
 * An upper bound on the keys, scalars and collections in YAML text, from its indicators: every node but a
 * document's root follows "[", "{" (which also open one), ",", "- ", "? " or ": " (which also ends a key).
 * Indicators inside strings and comments only raise the bound.
 */
function itemsAtMost(source: string): number {
  let items = 1;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) items += 2;
    else if (c === 0x2c) items += 1;
    else if (c === 0x3a || c === 0x2d || c === 0x3f) {
      const next = i + 1 < source.length ? source.charCodeAt(i + 1) : 0x0a;
      const separated = next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d;
      if (separated || (c === 0x3a && (next === 0x2c || next === 0x5d || next === 0x7d))) items += c === 0x3a ? 2 : 1;
    }
  }
  return items;
}
