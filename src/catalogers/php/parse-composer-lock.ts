import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import { EntryBudget, isObject, parseJson, Problems } from "./json.ts";
import { composerPackage, type EntryFacts } from "./package.ts";

/**
 * The packages a composer.lock pins: `packages`, and `packages-dev` flagged dev. `manifest` is the
 * composer.json beside the lock, when there is one: the packages its `require` or `require-dev`
 * name are direct, the others indirect. Without it (or when it is broken) that stays unknown.
 */
export function parseComposerLock(content: Buffer, manifest?: Buffer): ParseResult {
  const parsed = parseJson(content);
  if ("error" in parsed) return { packages: [], issues: [parsed.error] };
  const lock = parsed.value;
  if (!isObject(lock)) return { packages: [], issues: ["composer.lock is not a JSON object"] };

  const issues = new Problems();
  const direct = manifest === undefined ? undefined : directNames(manifest);
  if (typeof direct === "string") issues.push(`composer.json beside the lock: ${direct}; direct dependencies unknown`);
  const relationshipOf = (name: string): EntryFacts["relationship"] => {
    if (direct === undefined || typeof direct === "string") return undefined;
    return direct.has(name.toLowerCase()) ? "direct" : "indirect";
  };

  const packages: PackageDraft[] = [];
  const budget = new EntryBudget(issues, "packages");
  for (const section of ["packages", "packages-dev"] as const) {
    const entries = lock[section];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) {
      issues.push(`"${section}" is not an array`);
      continue;
    }
    const dev = section === "packages-dev";
    for (const [index, entry] of budget.items(entries)) {
      const found = composerPackage(entry, `${section}[${index}]`, (name) => ({
        dev,
        relationship: relationshipOf(name),
      }));
      if (typeof found === "string") issues.push(found);
      else packages.push(found);
    }
  }
  return { packages, issues: issues.list() };
}

/** The package names (lower case) a composer.json requires, for runtime or development; or what is wrong with it. */
function directNames(manifest: Buffer): Set<string> | string {
  const parsed = parseJson(manifest);
  if ("error" in parsed) return parsed.error;
  if (!isObject(parsed.value)) return "not a JSON object";
  const names = new Set<string>();
  for (const key of ["require", "require-dev"]) {
    const required = parsed.value[key];
    if (isObject(required)) for (const name of Object.keys(required)) names.add(name.toLowerCase());
  }
  return names;
}
