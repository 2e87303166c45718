import { FAILSAFE_SCHEMA, loadAll } from "js-yaml";

/** Collections and scalars one YAML lock file may hold (a 32 MiB pnpm-lock.yaml holds about 2 million). */
const maxNodes = 5_000_000;

/**
 * The documents of a YAML lock file, every scalar a string (the failsafe schema: "5.10" stays
 * "5.10", `true` is "true"). Aliases are refused outright, so the result is never larger than the
 * text (no "billion laughs"); nesting is capped and so is the node count. A later duplicate key
 * wins, as in JSON. Returns the problem as a string when the text is not loadable.
 */
export function loadYamlDocuments(source: string): unknown[] | string {
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
