import { isObject, text, type JsonObject } from "./json.ts";

// "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)" → name, email, url (Syft's pattern).
const personPattern = /^\s*([^<(]*)(?:\s+<(.*)>)?(?:\s\((.*)\))?\s*$/;

/** One person field (a string or a {name, email, url} object) as "name <email> (url)". */
export function personString(value: unknown): string | undefined {
  if (typeof value === "string") {
    const match = personPattern.exec(value);
    if (!match) return text(value);
    return format(match[1], match[2], match[3]);
  }
  if (isObject(value)) return format(value["name"], value["email"], value["url"]);
  return undefined;
}

/**
 * Syft's flattening: author, then authors, contributors and maintainers (each an array, or a
 * single person), joined with ", ".
 */
export function authorString(manifest: JsonObject): string | undefined {
  const people = [
    manifest["author"],
    ...["authors", "contributors", "maintainers"].flatMap((key) => list(manifest[key])),
  ];
  const parts = people.map(personString).filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function format(name: unknown, email: unknown, url: unknown): string | undefined {
  const parts = [text(name), text(email) && `<${text(email)}>`, text(url) && `(${text(url)})`];
  const result = parts.filter((part) => part !== undefined).join(" ");
  return result === "" ? undefined : result;
}
