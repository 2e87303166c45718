/** Narrowing helpers for JSON read from composer files. */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value when it is a non-empty string (after trimming), else undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

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
