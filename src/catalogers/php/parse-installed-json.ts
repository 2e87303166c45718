import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import { EntryBudget, isObject, parseJson, Problems, texts } from "./json.ts";
import { composerPackage } from "./package.ts";

/**
 * The packages composer installed, from vendor/composer/installed.json: composer 1 writes a JSON
 * array of packages, composer 2 an object with `packages` and `dev-package-names` (those are
 * flagged dev). Whether a package is a direct dependency is not recorded here.
 */
export function parseInstalledJson(content: Buffer): ParseResult {
  const parsed = parseJson(content);
  if ("error" in parsed) return { packages: [], issues: [parsed.error] };
  const installed = parsed.value;

  let entries: unknown;
  let devNames = new Set<string>();
  let where = "packages";
  if (Array.isArray(installed)) {
    entries = installed;
    where = "entry";
  } else if (isObject(installed)) {
    entries = installed["packages"];
    devNames = new Set(texts(installed["dev-package-names"]).map((name) => name.toLowerCase()));
  } else {
    return { packages: [], issues: ["installed.json is neither a JSON array nor an object"] };
  }
  if (!Array.isArray(entries)) return { packages: [], issues: ['installed.json has no "packages" array'] };

  const packages: PackageDraft[] = [];
  const issues = new Problems();
  for (const [index, entry] of new EntryBudget(issues, "packages").items(entries)) {
    const found = composerPackage(entry, `${where}[${index}]`, (name) => ({
      dev: devNames.has(name.toLowerCase()),
      relationship: undefined,
    }));
    if (typeof found === "string") issues.push(found);
    else packages.push(found);
  }
  return { packages, issues: issues.list() };
}
