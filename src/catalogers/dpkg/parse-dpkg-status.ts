import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { Distro } from "../../model/distro.ts";
import type { DpkgMetadata } from "../../model/package.ts";
import { distroQualifier, packageUrl } from "../purl.ts";
import { readStanzas, type Stanza } from "./deb822.ts";
import { declaredLicenses } from "../declared-licenses.ts";
import { copyrightLicenses } from "./parse-copyright.ts";

export interface DpkgStatusOptions {
  database: DpkgMetadata["database"];
  distro: Distro | undefined;
  /** The package's /usr/share/doc/<name>/copyright, when it was collected. */
  copyright?: (packageName: string) => Buffer | undefined;
}

/**
 * Installed packages from a dpkg status file, one distroless status.d file, or an opkg status file.
 * Stanzas without a Package name, and packages not installed, are left out; unreadable lines and
 * values become issues.
 */
export function parseDpkgStatus(content: Buffer, options: DpkgStatusOptions): ParseResult {
  const { stanzas, issues } = readStanzas(content.toString("utf8"));
  const packages: PackageDraft[] = [];
  for (const stanza of stanzas) {
    const name = stanza.fields.get("package") ?? "";
    if (name === "" || !isInstalled(stanza.fields.get("status"))) continue;
    packages.push(toDraft(name, stanza, options, issues));
  }
  return { packages, issues };
}

function toDraft(name: string, stanza: Stanza, options: DpkgStatusOptions, issues: string[]): PackageDraft {
  const field = (key: string): string | undefined => stanza.fields.get(key) || undefined;
  const version = field("version") ?? "";
  const architecture = field("architecture");
  const maintainer = field("maintainer");
  const { source, sourceVersion } = parseSource(field("source"));

  const sizeField = field("installed-size");
  const installedSize = sizeField === undefined ? undefined : parseSize(sizeField);
  if (sizeField !== undefined && installedSize === undefined) {
    issues.push(`package ${name}: unreadable Installed-Size "${sizeField}"`);
  }

  const metadata: DpkgMetadata = {
    kind: "dpkg",
    ...(source !== undefined && { source }),
    ...(sourceVersion !== undefined && { sourceVersion }),
    ...(architecture !== undefined && { architecture }),
    ...(maintainer !== undefined && { maintainer }),
    ...(installedSize !== undefined && { installedSize }),
    provides: splitList(field("provides")),
    depends: splitList(field("depends")),
    preDepends: splitList(field("pre-depends")),
    database: options.database,
  };

  const copyright = options.copyright?.(name);
  const licenses = unique([...declaredLicenses(field("license")), ...(copyright ? licensesOf(copyright) : [])]);

  // Syft's form: "source" or "source@sourceVersion"; nothing when the source is the package itself.
  let upstream: string | undefined;
  if (source !== undefined && (source !== name || sourceVersion !== undefined)) {
    upstream = sourceVersion === undefined ? source : `${source}@${sourceVersion}`;
  }
  const purl = packageUrl({
    type: "deb",
    // A Debian derivative's vendor when known; opkg systems are not Debian, so no guess for them.
    namespace: options.distro?.id ?? (options.database === "dpkg" ? "debian" : undefined),
    name,
    version,
    qualifiers: { arch: architecture, distro: distroQualifier(options.distro), upstream },
  });
  if (purl instanceof Error) issues.push(`package ${name}: no purl: ${purl.message}`);

  return { name, version, purl: purl instanceof Error ? "" : purl, licenses, metadata };
}

/**
 * The status file is parsed again in every layer that rewrites it (and when copyright files arrive), each
 * time with the same copyright files: the same bytes give the same licenses, so each file is read once.
 */
const copyrightMemo = new WeakMap<Buffer, readonly string[]>();

function licensesOf(copyright: Buffer): readonly string[] {
  let licenses = copyrightMemo.get(copyright);
  if (licenses === undefined) {
    licenses = copyrightLicenses(copyright.toString("utf8"));
    copyrightMemo.set(copyright, licenses);
  }
  return licenses;
}

const notInstalledWants = new Set(["deinstall", "purge"]);
const installedStates = new Set(["installed", "triggers-awaited", "triggers-pending"]);

/**
 * "want flag state": installed when the state is installed (or only waiting on triggers) and the
 * package is not marked for removal. No Status field (distroless status.d) counts as installed.
 */
function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const [want, , state] = status.split(/\s+/);
  if (want !== undefined && notInstalledWants.has(want)) return false;
  return state === undefined || installedStates.has(state);
}

/** "glibc (2.36-9)" → source glibc, sourceVersion 2.36-9. */
function parseSource(value: string | undefined): { source?: string; sourceVersion?: string } {
  if (value === undefined) return {};
  const match = /^(\S+)(?:\s+\((.*)\))?/.exec(value);
  if (!match?.[1]) return {};
  return match[2] ? { source: match[1], sourceVersion: match[2].trim() } : { source: match[1] };
}

const sizeUnits: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Installed-Size as written. dpkg writes a bare number of KiB, kept as is; a unit suffix is
 * applied the way Syft does ("4KB" is 4000).
 */
function parseSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = sizeUnits[match?.[2]?.toLowerCase() ?? ""];
  if (!match?.[1] || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/** Depends, Pre-Depends, Provides: comma-separated, possibly over continuation lines. */
function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((item) => item.replace(/\s+/g, " ").trim())
    .filter((item) => item !== "");
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
