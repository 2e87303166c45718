import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { NpmMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { packageNameProblem } from "./package-name.ts";

/** Distinct packages one lock file may report; past this the rest are left out with an issue. */
export const maxLockPackages = 100_000;
/** Problems listed per file; the rest are counted. */
const maxProblems = 20;

/** One package as a lock file records it, before deduplication. */
export interface LockEntry {
  /** The real package name (not an alias). */
  name: string;
  version: string;
  resolved?: string | undefined;
  integrity?: string | undefined;
  checksum?: string | undefined;
  /** Undefined: this entry cannot tell. */
  dev?: boolean | undefined;
  optional?: boolean | undefined;
  peer?: boolean | undefined;
  licenses?: readonly string[] | undefined;
}

/**
 * The packages of one lock file, one per name@version: the same version installed at several
 * node_modules paths (or locked under several peer-dependency variants) is one package. Merged
 * flags hold only when every occurrence has them (a package both dev and production is not dev);
 * the first occurrence's resolved/integrity are kept.
 */
export class LockPackages {
  private readonly entries = new Map<string, LockEntry>();
  private readonly problems: string[] = [];
  private moreProblems = 0;
  private full = false;

  add(entry: LockEntry): void {
    const key = `${entry.name}@${entry.version}`;
    const seen = this.entries.get(key);
    if (seen) {
      this.entries.set(key, merge(seen, entry));
      return;
    }
    if (this.entries.size >= maxLockPackages) {
      if (!this.full) this.problem(`more than ${maxLockPackages} packages: the rest are left out`);
      this.full = true;
      return;
    }
    this.entries.set(key, entry);
  }

  /** Records a problem with the file; only the first few are kept word for word. */
  problem(message: string): void {
    if (this.problems.length < maxProblems) this.problems.push(message);
    else this.moreProblems += 1;
  }

  /** The drafts; `devKnown` turns an undecided dev flag into false (the file could tell, and did not say dev). */
  result(options: { devKnown: boolean }): ParseResult {
    const packages: PackageDraft[] = [];
    for (const entry of this.entries.values()) {
      const draft = toDraft(entry, options.devKnown);
      if (typeof draft === "string") this.problem(draft);
      else packages.push(draft);
    }
    const issues = [...this.problems];
    if (this.moreProblems > 0) issues.push(`${this.moreProblems} more problems not listed`);
    return { packages, issues };
  }
}

function merge(a: LockEntry, b: LockEntry): LockEntry {
  return {
    ...a,
    resolved: a.resolved ?? b.resolved,
    integrity: a.integrity ?? b.integrity,
    checksum: a.checksum ?? b.checksum,
    dev: both(a.dev, b.dev),
    optional: both(a.optional, b.optional),
    peer: both(a.peer, b.peer),
    licenses: a.licenses !== undefined && a.licenses.length > 0 ? a.licenses : b.licenses,
  };
}

/** True only when both are true; an undefined side does not count. */
function both(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a && b;
}

function toDraft(entry: LockEntry, devKnown: boolean): PackageDraft | string {
  const { name, version } = entry;
  const problem = packageNameProblem(name);
  if (problem !== undefined) return `invalid package name "${name}": ${problem}`;
  const purl = npmPurl(name, version);
  if (purl instanceof Error) return `package ${name}@${version}: no purl: ${purl.message}`;
  const dev = entry.dev ?? (devKnown ? false : undefined);
  const metadata: NpmMetadata = {
    kind: "npm",
    private: false,
    ...(entry.resolved !== undefined && { resolved: entry.resolved }),
    ...(entry.integrity !== undefined && { integrity: entry.integrity }),
    ...(entry.checksum !== undefined && { checksum: entry.checksum }),
    ...(dev !== undefined && { dev }),
    ...(entry.optional === true && { optional: true }),
    ...(entry.peer === true && { peer: true }),
  };
  return { name, version, purl, licenses: [...(entry.licenses ?? [])], metadata };
}

/** pkg:npm/%40scope/name@version (the scope is the namespace). */
export function npmPurl(name: string, version: string): string | Error {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  return packageUrl({
    type: "npm",
    namespace: slash > 0 ? name.slice(0, slash) : undefined,
    name: slash > 0 ? name.slice(slash + 1) : name,
    version,
  });
}

/**
 * Splits "name@range" (also "@scope/name@range") at the "@" that ends the name. Without a range
 * ("name" alone) the range is empty.
 */
export function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf("@", 1);
  if (at < 0) return { name: descriptor, range: "" };
  return { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/** Sources that are the project's own folders or files rather than published packages. */
export function isLocalSource(spec: string | undefined): boolean {
  return spec !== undefined && /^(?:file|link|portal|workspace):/.test(spec);
}
