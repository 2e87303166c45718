/** Narrowing helpers for JSON read from deps.json and packages.lock.json files. */
export { isObject, type JsonObject, text } from "../json-values.ts";

/** The document, or the reason it is not JSON. A UTF-8 byte order mark is allowed. */
export function parseJson(content: Buffer): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(content.toString("utf8").replace(/^\uFEFF/, "")) };
  } catch (error) {
    return { problem: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
