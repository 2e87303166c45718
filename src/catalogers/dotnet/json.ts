/** Narrowing helpers for JSON read from deps.json and packages.lock.json files. */

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

/** The document, or the reason it is not JSON. A UTF-8 byte order mark is allowed. */
export function parseJson(content: Buffer): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(content.toString("utf8").replace(/^\uFEFF/, "")) };
  } catch (error) {
    return { problem: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
