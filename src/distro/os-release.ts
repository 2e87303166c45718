import type { Distro } from "../model/distro.ts";

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(text: string): Distro | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    fields.set(match[1], unquote(match[2].trim()));
  }
  const id = fields.get("ID")?.toLowerCase();
  if (!id) return undefined;
  const distro: Distro = { id, idLike: (fields.get("ID_LIKE") ?? "").split(/\s+/).filter(Boolean) };
  const versionId = fields.get("VERSION_ID");
  if (versionId) distro.versionId = versionId;
  const codename = fields.get("VERSION_CODENAME");
  if (codename) distro.versionCodename = codename;
  const prettyName = fields.get("PRETTY_NAME");
  if (prettyName) distro.prettyName = prettyName;
  return distro;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\$`])/g, "$1") : inner;
  }
  return value;
}
