/** Narrowing helpers for JSON read from composer files. */
import { parseJson as parseBoundedJson, text } from "../json-values.ts";

export { EntryBudget, isObject, type JsonObject, Problems, text } from "../json-values.ts";

/** The non-empty strings of an array (other items skipped); [] for anything but an array. */
export function texts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const found = text(item);
    return found === undefined ? [] : [found];
  });
}

/** The document in a file's bytes (a UTF-8 BOM allowed, nesting and size capped), or why it was not read. */
export function parseJson(content: Buffer): { value: unknown } | { error: string } {
  const parsed = parseBoundedJson(content);
  return "problem" in parsed ? { error: parsed.problem } : parsed;
}
