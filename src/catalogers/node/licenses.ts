import { isObject, text } from "./json.ts";

/**
 * Declared licenses: `license` as a string, a legacy {type} object or an array of them; when that
 * gives nothing, the legacy `licenses` array (or a single object). Bare strings inside arrays are
 * ignored, as Syft does (`"licenses": ["MIT"]` is not the documented form); numbers, null and
 * objects without a `type` give nothing.
 */
export function declaredLicenses(license: unknown, legacy: unknown): string[] {
  const fromLicense = typeof license === "string" ? optional(text(license)) : fromObjects(license);
  return fromLicense.length > 0 ? fromLicense : fromObjects(legacy);
}

function fromObjects(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item) => (isObject(item) ? optional(text(item["type"])) : []));
}

function optional(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}
