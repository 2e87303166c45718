import picomatch from "picomatch";
import type { FileView } from "../../catalog/cataloger.ts";
import { isObject, type JsonObject, parseJson } from "./json.ts";

/** Workspace manifests read for one lock file; more are left out. */
const maxWorkspaces = 2000;

/** The direct dependencies one package.json declares, as [name, range] pairs. */
export interface ManifestDependencies {
  /** `dependencies` and `optionalDependencies`: what a production install needs. */
  prod: Array<[string, string]>;
  /** `devDependencies`. */
  dev: Array<[string, string]>;
}

/**
 * The declared dependencies of the project whose lock file is in `dir`: its package.json and
 * those of its workspaces (`workspaces` as an array of globs or `{packages: [...]}`), as far as
 * they were collected. Undefined when the project's package.json is missing or unreadable: then
 * nobody can tell development packages from production ones.
 */
export function projectManifests(view: FileView, dir: string): ManifestDependencies[] | undefined {
  const root = readManifest(view.get(`${dir}/package.json`)?.content);
  if (root === undefined) return undefined;
  const found = [dependenciesOf(root)];
  const patterns = workspacePatterns(root["workspaces"]);
  if (patterns.length === 0) return found;

  const include = patterns.filter((p) => !p.startsWith("!")).map((p) => picomatch(clean(p), { dot: true }));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => picomatch(clean(p.slice(1)), { dot: true }));
  for (const file of view.list(dir)) {
    if (found.length > maxWorkspaces) break;
    const relative = file.path.slice(dir.length + 1);
    if (!relative.endsWith("/package.json") || relative.split("/").includes("node_modules")) continue;
    const folder = relative.slice(0, -"/package.json".length);
    if (!include.some((match) => match(folder)) || exclude.some((match) => match(folder))) continue;
    const manifest = readManifest(file.content);
    if (manifest !== undefined) found.push(dependenciesOf(manifest));
  }
  return found;
}

function readManifest(content: Buffer | undefined): JsonObject | undefined {
  if (content === undefined) return undefined;
  const parsed = parseJson(content);
  return "value" in parsed && isObject(parsed.value) ? parsed.value : undefined;
}

function dependenciesOf(manifest: JsonObject): ManifestDependencies {
  return {
    prod: [...pairs(manifest["dependencies"]), ...pairs(manifest["optionalDependencies"])],
    dev: pairs(manifest["devDependencies"]),
  };
}

function pairs(value: unknown): Array<[string, string]> {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(
    ([name, range]): Array<[string, string]> => (typeof range === "string" ? [[name, range]] : []),
  );
}

function workspacePatterns(value: unknown): string[] {
  const list = isObject(value) ? value["packages"] : value;
  if (!Array.isArray(list)) return [];
  const items: readonly unknown[] = list;
  return items.filter((item): item is string => typeof item === "string" && item.trim() !== "");
}

/** "./packages/*\/" → "packages/*". */
function clean(pattern: string): string {
  return pattern
    .trim()
    .replace(/^(?:\.\/)+/, "")
    .replace(/\/+$/, "");
}
