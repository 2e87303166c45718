import { InternalError } from "../../../src/errors.ts";

/** Narrowing of the API's JSON. A mismatch means the UI and the server disagree: a bug, reported as such. */

function mismatch(where: string, expected: string): never {
  throw new InternalError(`The API sent an unexpected response: ${where} is not ${expected}.`);
}

export function object(value: unknown, where: string): object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) mismatch(where, "an object");
  return value;
}

function get(from: object, key: string): unknown {
  const value: unknown = Reflect.get(from, key);
  return value;
}

export function child(from: object, key: string, where: string): object {
  return object(get(from, key), `${where}.${key}`);
}

export function text(from: object, key: string, where: string): string {
  const value = get(from, key);
  if (typeof value !== "string") mismatch(`${where}.${key}`, "a string");
  return value;
}

/** A string, or null when it is null or absent. */
export function optionalText(from: object, key: string, where: string): string | null {
  const value = get(from, key);
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") mismatch(`${where}.${key}`, "a string");
  return value;
}

export function count(from: object, key: string, where: string): number {
  const value = get(from, key);
  if (typeof value !== "number" || !Number.isFinite(value)) mismatch(`${where}.${key}`, "a number");
  return value;
}

export function optionalCount(from: object, key: string, where: string): number | null {
  const value = get(from, key);
  if (value === null || value === undefined) return null;
  return count(from, key, where);
}

export function list<T>(from: object, key: string, where: string, item: (value: unknown, where: string) => T): T[] {
  const value = get(from, key);
  if (!Array.isArray(value)) mismatch(`${where}.${key}`, "a list");
  return value.map((entry: unknown, index) => item(entry, `${where}.${key}[${index}]`));
}

export function textList(from: object, key: string, where: string): string[] {
  return list(from, key, where, (value, at) => {
    if (typeof value !== "string") mismatch(at, "a string");
    return value;
  });
}

/** An object of numbers, such as packages per ecosystem. */
export function counts(from: object, key: string, where: string): Map<string, number> {
  const value = child(from, key, where);
  return new Map(Object.keys(value).map((name) => [name, count(value, name, `${where}.${key}`)]));
}

export function oneOf<T extends string>(from: object, key: string, where: string, allowed: readonly T[]): T {
  const value = text(from, key, where);
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) mismatch(`${where}.${key}`, `one of ${allowed.join(", ")}`);
  return found;
}
