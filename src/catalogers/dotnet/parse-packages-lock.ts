import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { DotnetMetadata } from "../../model/package.ts";
import { EntryBudget, isObject, type JsonObject, parseJson, Problems, text } from "./json.ts";
import { type LicenseLookup, nugetPackage, reference } from "./package-draft.ts";

export interface PackagesLockOptions {
  licenses?: LicenseLookup;
}

/** The newest lock file version we know (2 added central package management). */
const knownVersion = 2;

/** One package as resolved for one or more target frameworks. */
interface Resolved {
  name: string;
  version: string;
  direct: boolean;
  frameworks: Set<string>;
  requested: string | undefined;
  sha512: string | undefined;
  dependencies: Set<string>;
}

/**
 * The packages a NuGet `packages.lock.json` resolves, over all its target frameworks: one package
 * per name and resolved version, "direct" when any framework asks for it directly. "Project"
 * entries (project references) are not packages.
 */
export function parsePackagesLock(content: Buffer, options: PackagesLockOptions = {}): ParseResult {
  const parsed = parseJson(content);
  if ("problem" in parsed) return failure(parsed.problem);
  const document = parsed.value;
  if (!isObject(document)) return failure("packages.lock.json is not a JSON object");
  const issues = new Problems();
  const version = document["version"];
  if (typeof version === "number" && version > knownVersion) {
    issues.push(`lock file version ${version} is newer than ${knownVersion}; read as version ${knownVersion}`);
  }
  const frameworks = document["dependencies"];
  if (frameworks === undefined || frameworks === null) return { packages: [], issues: issues.list() };
  if (!isObject(frameworks)) return failure('"dependencies" is not an object');

  const resolved = new Map<string, Resolved>();
  const budget = new EntryBudget(issues, "packages");
  for (const [framework, entries] of Object.entries(frameworks)) {
    if (!isObject(entries)) {
      issues.push(`target framework "${framework}": not an object`);
      continue;
    }
    for (const [name, entry] of budget.entries(entries)) {
      if (!isObject(entry)) {
        issues.push(`${framework}: "${name}" is not an object`);
        continue;
      }
      if (isProject(entry)) continue;
      const version = text(entry["resolved"]);
      if (name.trim() === "" || version === undefined) {
        issues.push(`${framework}: "${name}" has no resolved version`);
        continue;
      }
      const key = reference(name, version);
      let found = resolved.get(key);
      if (!found) {
        found = {
          name,
          version,
          direct: false,
          frameworks: new Set(),
          requested: undefined,
          sha512: undefined,
          dependencies: new Set(),
        };
        resolved.set(key, found);
      }
      found.direct ||= text(entry["type"])?.toLowerCase() === "direct";
      found.frameworks.add(framework);
      found.requested ??= text(entry["requested"]);
      found.sha512 ??= text(entry["contentHash"]);
      for (const dependency of dependencies(entry, entries)) found.dependencies.add(dependency);
    }
  }

  const packages: PackageDraft[] = [];
  for (const found of resolved.values()) {
    const metadata: DotnetMetadata = {
      kind: "dotnet",
      source: "packages.lock.json",
      relationship: found.direct ? "direct" : "indirect",
      ...(found.sha512 !== undefined && { sha512: found.sha512 }),
      targetFrameworks: [...found.frameworks],
      ...(found.requested !== undefined && { requested: found.requested }),
      dependencies: [...found.dependencies].sort(),
    };
    const draft = nugetPackage(found.name, found.version, metadata, options.licenses);
    if (draft instanceof Error) issues.push(draft.message);
    else packages.push(draft);
  }
  return { packages, issues: issues.list() };
}

/**
 * An entry's dependencies as "Name@version", at the version resolved for the same framework
 * (the entry itself lists the lowest version it accepts). Project references are left out.
 */
function dependencies(entry: JsonObject, framework: JsonObject): string[] {
  const declared = entry["dependencies"];
  if (!isObject(declared)) return [];
  const out: string[] = [];
  for (const name of Object.keys(declared)) {
    const dependency = framework[name];
    if (!isObject(dependency) || isProject(dependency)) continue;
    const version = text(dependency["resolved"]);
    if (version !== undefined) out.push(reference(name, version));
  }
  return out;
}

function isProject(entry: JsonObject): boolean {
  return text(entry["type"])?.toLowerCase() === "project";
}

function failure(issue: string): ParseResult {
  return { packages: [], issues: [issue] };
}
