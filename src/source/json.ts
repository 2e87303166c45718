/**
 * Narrowing helpers for JSON from the outside world. Each takes `what` (the document and place, for
 * messages) and throws InputError when a value has the wrong shape. JSON null counts as absent.
 */
import { InputError } from "../errors.ts";

export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, what: string): JsonObject {
  if (!isJsonObject(value)) throw new InputError(`${what} must be a JSON object`);
  return value;
}

export function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InputError(`${what} must be a JSON array`);
  return value;
}

export function optionalString(object: JsonObject, key: string, what: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InputError(`${what}: "${key}" must be a string`);
  return value;
}

export function requiredString(object: JsonObject, key: string, what: string): string {
  const value = optionalString(object, key, what);
  if (value === undefined) throw new InputError(`${what}: "${key}" is missing`);
  return value;
}

export function optionalBoolean(object: JsonObject, key: string, what: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new InputError(`${what}: "${key}" must be true or false`);
  return value;
}

/** A non-negative integer, as sizes are. */
export function requiredSize(object: JsonObject, key: string, what: string): number {
  const value = object[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`${what}: "${key}" must be a non-negative integer`);
  }
  return value;
}

export function optionalObject(object: JsonObject, key: string, what: string): JsonObject | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  return expectObject(value, `${what}: "${key}"`);
}

export function optionalArray(object: JsonObject, key: string, what: string): unknown[] | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  return expectArray(value, `${what}: "${key}"`);
}

export function optionalStringArray(object: JsonObject, key: string, what: string): string[] | undefined {
  const values = optionalArray(object, key, what);
  if (values === undefined) return undefined;
  return values.map((value, i) => {
    if (typeof value !== "string") throw new InputError(`${what}: "${key}"[${i}] must be a string`);
    return value;
  });
}

export function optionalStringRecord(
  object: JsonObject,
  key: string,
  what: string,
): Record<string, string> | undefined {
  const value = optionalObject(object, key, what);
  if (value === undefined) return undefined;
  const record: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") throw new InputError(`${what}: "${key}.${name}" must be a string`);
    record[name] = entry;
  }
  return record;
}
