import { licenseFromUrl } from "./license-text.ts";

/** One `Name: value` pair of a manifest, continuation lines joined. */
export type Attribute = readonly [name: string, value: string];

/** A JAR manifest: the main section (the archive itself), then the per-entry sections. */
export interface Manifest {
  main: Attribute[];
  sections: Attribute[][];
}

/**
 * Reads a META-INF/MANIFEST.MF (JAR File Specification): lines end with CRLF, LF or CR; a line
 * starting with one space continues the previous value (that one space is dropped, nothing is
 * inserted); blank lines separate sections. Lenient as the peers are: lines without a colon or
 * with an empty name are skipped, runs of blank lines make no empty sections.
 */
export function parseManifest(content: Buffer): Manifest {
  const text = content.toString("utf8").replace(/^\uFEFF/, "");
  const blocks: Attribute[][] = [];
  let current: [string, string][] = [];
  let last: [string, string] | undefined;
  const close = (): void => {
    // The main section exists even when empty; other sections only when they hold something.
    if (blocks.length === 0 || current.length > 0) blocks.push(current.map(([name, value]) => [name, value.trim()]));
    current = [];
    last = undefined;
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      close();
    } else if (line.startsWith(" ")) {
      if (last) last[1] += line.slice(1);
    } else {
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon).trim() : "";
      if (name === "") continue;
      last = [name, line.slice(colon + 1)];
      current.push(last);
    }
  }
  close();
  return { main: blocks[0] ?? [], sections: blocks.slice(1) };
}

/**
 * The last value of an attribute (names are case-insensitive). Values that are empty or start
 * with "%" (a localized OSGi header such as `Bundle-Name: %bundleName`) count as absent.
 */
export function attribute(attributes: readonly Attribute[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of attributes) {
    if (key.toLowerCase() === wanted && value !== "" && !value.startsWith("%")) found = value;
  }
  return found;
}

export interface ManifestIdentity {
  groupId: string;
  artifactId: string;
  version: string;
}

/**
 * Maven coordinates from the main section, by Trivy's rules (its offline mode):
 * groupId from Implementation-Vendor-Id, else Bundle-SymbolicName without its last segment
 * (and without OSGi directives), else Implementation-Vendor, else Specification-Vendor;
 * artifactId from Implementation-Title, Specification-Title, Bundle-Name; version from
 * Implementation-Version, Specification-Version, Bundle-Version. Undefined unless all three exist.
 */
export function manifestIdentity(main: readonly Attribute[]): ManifestIdentity | undefined {
  const get = (name: string): string | undefined => attribute(main, name);
  const groupId =
    get("Implementation-Vendor-Id") ??
    symbolicNameGroup(get("Bundle-SymbolicName")) ??
    get("Implementation-Vendor") ??
    get("Specification-Vendor");
  const artifactId = get("Implementation-Title") ?? get("Specification-Title") ?? get("Bundle-Name");
  const version = get("Implementation-Version") ?? get("Specification-Version") ?? get("Bundle-Version");
  if (groupId === undefined || artifactId === undefined || version === undefined) return undefined;
  return { groupId, artifactId, version };
}

/** "com.fasterxml.jackson.core.jackson-databind;singleton:=true" → "com.fasterxml.jackson.core". */
function symbolicNameGroup(value: string | undefined): string | undefined {
  const name = value?.split(";")[0]?.trim();
  if (!name) return undefined;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * Licenses the manifest declares: Jenkins `Plugin-License-Name` and `Plugin-License-Name-<n>`
 * in order; when there are none, the OSGi `Bundle-License` entries (an SPDX identifier kept as
 * written, a well-known license URL turned into its SPDX identifier, anything else dropped).
 */
export function manifestLicenses(main: readonly Attribute[]): string[] {
  const plugin = main
    .filter(([name]) => /^Plugin-License-Name(-.+)?$/i.test(name))
    .map(([, value]) => value)
    .filter((value) => value !== "");
  if (plugin.length > 0) return plugin;
  const header = attribute(main, "Bundle-License");
  if (header === undefined) return [];
  const out: string[] = [];
  for (const entry of splitUnquoted(header, ",")) {
    const [first = "", ...parameters] = splitUnquoted(entry, ";");
    const name = unquote(first);
    const link = parameters
      .map((parameter) => /^\s*link\s*=(.*)$/s.exec(parameter)?.[1])
      .find((value) => value !== undefined);
    const id = bundleLicense(name, link === undefined ? undefined : unquote(link));
    if (id !== undefined && !out.includes(id)) out.push(id);
  }
  return out;
}

function bundleLicense(name: string, link: string | undefined): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) return licenseFromUrl(name) ?? (link ? licenseFromUrl(link) : undefined);
  if (/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(name) && /[A-Za-z]/.test(name)) return name;
  return link ? licenseFromUrl(link) : undefined;
}

/** Splits on `separator` outside double quotes (a backslash escapes inside them). */
function splitUnquoted(text: string, separator: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function unquote(text: string): string {
  return text
    .trim()
    .replace(/^"(.*)"$/s, "$1")
    .trim();
}
