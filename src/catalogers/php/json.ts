/** Narrowing helpers for JSON read from composer files. */
import { text } from "../json-values.ts";

export { isObject, type JsonObject, text } from "../json-values.ts";

/** The non-empty strings of an array (other items skipped); [] for anything but an array. */
export function texts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const found = text(item);
    return found === undefined ? [] : [found];
  });
}

/** JSON.parse of a file's bytes (a UTF-8 BOM allowed), or the parser's complaint. */
export function parseJson(content: Buffer): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(content.toString("utf8").replace(/^\uFEFF/, "")) };
  } catch (error) {
    return { error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
