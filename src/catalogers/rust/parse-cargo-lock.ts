import { parse as parseToml, TomlError } from "smol-toml";
import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import { errorMessage } from "../../errors.ts";
import { crateDraft, crateId, issueList } from "./crate.ts";

const maxIssues = 20;
/**
 * Keys, values, tables and array items smol-toml may be asked to build for one Cargo.lock, counted
 * before it starts (about 200 bytes each; a real 16 MiB lock counts about 1.5 million).
 */
const maxItems = 2_000_000;
/** Crates one Cargo.lock may report; the rest are left out with an issue. */
const maxCrates = 100_000;
/** The newest Cargo.lock format this reader knows. */
const newestLockVersion = 4;

/** One [[package]] entry, checked. */
interface LockEntry {
  name: string;
  version: string;
  source: string | undefined;
  checksum: string | undefined;
  dependencies: string[];
}

type TomlObject = { readonly [key: string]: unknown };

/**
 * Crates from a Cargo.lock, every format: v1 (dependencies as "name version (source)", checksums
 * in [metadata]), v2 (inline checksums, no version header), v3 and v4 (`version = N` header).
 * Crates without a `source` are the workspace's own (members and path dependencies): they are
 * reported with an empty purl. Dependencies are resolved to "name@version".
 */
export function parseCargoLock(content: Buffer): ParseResult {
  const { issues, note } = issueList(maxIssues);
  const text = content.toString("utf8").replace(/^\uFEFF/, "");
  if (itemsAtMost(text) > maxItems) {
    return { packages: [], issues: [`more than ${maxItems} TOML keys, values and tables: not read`] };
  }
  let document: TomlObject;
  try {
    document = parseToml(text, { maxDepth: 32 });
  } catch (error) {
    const where = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : "";
    return { packages: [], issues: [`not a valid Cargo.lock: ${firstLine(errorMessage(error))}${where}`] };
  }

  const version = document["version"];
  if (typeof version === "number" && version > newestLockVersion) {
    note(
      `Cargo.lock version ${version} is newer than this reader knows (${newestLockVersion}); read as version ${newestLockVersion}`,
    );
  }

  const packageTables = document["package"] ?? [];
  if (!Array.isArray(packageTables)) {
    return { packages: [], issues: ['not a valid Cargo.lock: "package" is not an array of tables'] };
  }
  // Lock files written before 2017 keep the workspace's root crate in a [root] table.
  const root = document["root"];
  const listed: unknown[] = packageTables;
  const raw = isObject(root) ? [root, ...listed] : listed;
  const checksums = metadataChecksums(document["metadata"]);

  const entries: LockEntry[] = [];
  if (raw.length > maxCrates) note(`more than ${maxCrates} [[package]] tables: the rest are left out`);
  raw.slice(0, maxCrates).forEach((value: unknown, index) => {
    const entry = toEntry(value, index, checksums, note);
    if (entry) entries.push(entry);
  });

  const byName = new Map<string, LockEntry[]>();
  for (const entry of entries) byName.set(entry.name, [...(byName.get(entry.name) ?? []), entry]);

  const packages: PackageDraft[] = [];
  for (const entry of entries) {
    const dependencies = new Set<string>();
    for (const spec of entry.dependencies) {
      const found = resolveDependency(spec, byName);
      if (typeof found === "string") note(`crate ${entry.name} ${entry.version}: ${found}`);
      else dependencies.add(crateId(found.name, found.version));
    }
    const draft = crateDraft({
      name: entry.name,
      version: entry.version,
      local: entry.source === undefined,
      metadata: {
        kind: "cargo",
        ...(entry.source !== undefined && { source: entry.source }),
        ...(entry.checksum !== undefined && { checksum: entry.checksum }),
        dependencies: [...dependencies].sort(),
      },
    });
    if (draft instanceof Error) note(`crate ${entry.name}: no purl: ${draft.message}`);
    else packages.push(draft);
  }
  return { packages, issues };
}

function toEntry(
  value: unknown,
  index: number,
  checksums: ReadonlyMap<string, string>,
  note: (message: string) => void,
): LockEntry | undefined {
  if (!isObject(value)) {
    note(`package ${index + 1}: not a table`);
    return undefined;
  }
  const name = value["name"];
  const version = value["version"];
  if (typeof name !== "string" || name === "" || typeof version !== "string" || version === "") {
    note(`package ${index + 1}: no name or version; skipped`);
    return undefined;
  }
  const source = nonEmptyString(value["source"]);
  const rawDependencies = value["dependencies"] ?? [];
  const dependencies = Array.isArray(rawDependencies)
    ? rawDependencies.filter((d): d is string => typeof d === "string")
    : [];
  if (!Array.isArray(rawDependencies) || dependencies.length !== rawDependencies.length) {
    note(`crate ${name} ${version}: dependencies that are not strings were ignored`);
  }
  const checksum =
    nonEmptyString(value["checksum"]) ??
    (source === undefined
      ? undefined
      : (checksums.get(`${name} ${version} (${source})`) ??
        checksums.get(`${name} ${version} (${withoutFragment(source)})`)));
  return { name, version, source, checksum, dependencies };
}

/** v1's [metadata] table: "checksum <name> <version> (<source>)" = "<sha256>", keyed without the "checksum " prefix. */
function metadataChecksums(metadata: unknown): Map<string, string> {
  const checksums = new Map<string, string>();
  if (!isObject(metadata)) return checksums;
  for (const [key, value] of Object.entries(metadata)) {
    // "<none>" stands for a crate without a checksum (git dependencies).
    if (key.startsWith("checksum ") && typeof value === "string" && value !== "" && value !== "<none>") {
      checksums.set(key.slice("checksum ".length), value);
    }
  }
  return checksums;
}

/**
 * Cargo writes a dependency as "name" when only one version of the crate is locked, as
 * "name version" when several are, and as "name version (source)" when that is still ambiguous
 * (or always, in v1). A git source is written there without its "#commit" fragment.
 */
function resolveDependency(spec: string, byName: ReadonlyMap<string, readonly LockEntry[]>): LockEntry | string {
  const match = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/.exec(spec.trim());
  const name = match?.[1];
  if (name === undefined) return `dependency "${spec}" is not "name [version] [(source)]"`;
  const version = match?.[2];
  const source = match?.[3];
  let candidates = byName.get(name) ?? [];
  if (version !== undefined) candidates = candidates.filter((c) => c.version === version);
  if (source !== undefined && candidates.length > 1) {
    candidates = candidates.filter((c) => c.source !== undefined && sameSource(c.source, source));
  }
  const [only] = candidates;
  if (only && candidates.length === 1) return only;
  return candidates.length === 0
    ? `dependency "${spec}" is not in the lock file`
    : `dependency "${spec}" matches several locked crates`;
}

function sameSource(locked: string, written: string): boolean {
  return locked === written || withoutFragment(locked) === withoutFragment(written);
}

function withoutFragment(source: string): string {
  const hash = source.indexOf("#");
  return hash >= 0 ? source.slice(0, hash) : source;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}

function isObject(value: unknown): value is TomlObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An upper bound on the keys, values, tables and array items in TOML text: every one follows "=" (which
 * also ends a key), "[" or "{" (which also open one), "," or "." (a dotted key's table). Such characters
 * inside strings and comments only raise the bound.
 */
function itemsAtMost(text: string): number {
  let items = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d || c === 0x5b || c === 0x7b) items += 2;
    else if (c === 0x2c || c === 0x2e) items += 1;
  }
  return items;
}
