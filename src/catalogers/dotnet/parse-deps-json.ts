import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { DotnetMetadata } from "../../model/package.ts";
import { EntryBudget, isObject, type JsonObject, parseJson, Problems, text } from "./json.ts";
import { type LicenseLookup, nugetPackage, reference } from "./package-draft.ts";

export interface DepsJsonOptions {
  /** The file's name ("MyApp.deps.json"): picks the root project when the file alone cannot. */
  fileName?: string;
  licenses?: LicenseLookup;
}

/** The SDK's name prefix for the runtime bundled into a self-contained app ("runtimepack.Microsoft.NETCore.App.Runtime.linux-x64"). */
const runtimePackPrefix = "runtimepack.";

/** A `libraries` entry we report. */
interface Library {
  id: string;
  name: string;
  version: string;
  type: "package" | "runtimepack";
  entry: JsonObject;
}

interface Project {
  id: string;
  name: string;
  version: string;
}

/**
 * The NuGet packages a .NET application's `<app>.deps.json` lists: `libraries` of type "package"
 * and "runtimepack" (the prefix dropped). Projects (the application and its project references)
 * are not packages; the root project is kept in the metadata. When the runtime target's section is
 * there, libraries it lists without runtime, runtimeTargets or native assets are left out.
 */
export function parseDepsJson(content: Buffer, options: DepsJsonOptions = {}): ParseResult {
  const parsed = parseJson(content);
  if ("problem" in parsed) return failure(parsed.problem);
  const document = parsed.value;
  if (!isObject(document)) return failure("deps.json is not a JSON object");
  const libraries = document["libraries"];
  if (libraries === undefined || libraries === null) return { packages: [], issues: [] };
  if (!isObject(libraries)) return failure('"libraries" is not an object');

  const issues = new Problems();
  const target = runtimeTarget(document, issues);
  const found = new Map<string, Library>();
  const projects: Project[] = [];
  for (const [key, entry] of new EntryBudget(issues, "libraries").entries(libraries)) {
    const slash = key.indexOf("/");
    const name = stripRuntimePack(key.slice(0, slash).trim());
    const version = key.slice(slash + 1).trim();
    if (slash < 0 || name === "" || version === "") {
      issues.push(`library "${key}": not "<name>/<version>"`);
      continue;
    }
    if (!isObject(entry)) {
      issues.push(`library "${key}": not an object`);
      continue;
    }
    const type = text(entry["type"])?.toLowerCase();
    const id = `${name}/${version}`;
    if (type === "project") projects.push({ id, name, version });
    else if ((type === "package" || type === "runtimepack") && !found.has(id)) {
      // Packages the target lists without assets are not deployed (reference-only and meta packages).
      if (target !== undefined && !hasRuntimeAssets(target.libraries.get(id))) continue;
      found.set(id, { id, name, version, type, entry });
    }
    // Other types ("referenceassembly", ...) are not NuGet packages.
  }

  const root = rootProject(projects, target?.libraries, options.fileName);
  const direct = root === undefined || target === undefined ? undefined : dependencyIds(target.libraries.get(root.id));
  const packages: PackageDraft[] = [];
  for (const library of found.values()) {
    const dependencies = [...dependencyIds(target?.libraries.get(library.id))]
      .map((id) => found.get(id))
      .filter((dependency) => dependency !== undefined)
      .map((dependency) => reference(dependency.name, dependency.version));
    const sha512 = text(library.entry["sha512"])?.replace(/^sha512-/, "");
    const path = text(library.entry["path"]);
    const metadata: DotnetMetadata = {
      kind: "dotnet",
      source: "deps.json",
      ...(direct !== undefined && direct.size > 0 && { relationship: direct.has(library.id) ? "direct" : "indirect" }),
      ...(root !== undefined && { project: { name: root.name, version: root.version } }),
      libraryType: library.type,
      ...(sha512 !== undefined && sha512 !== "" && { sha512 }),
      ...(path !== undefined && { path }),
      targetFrameworks: target === undefined ? [] : [target.name],
      dependencies: [...new Set(dependencies)].sort(),
    };
    const draft = nugetPackage(library.name, library.version, metadata, options.licenses);
    if (draft instanceof Error) issues.push(draft.message);
    else packages.push(draft);
  }
  return { packages, issues: issues.list() };
}

interface Target {
  /** ".NETCoreApp,Version=v8.0", or with a runtime identifier: ".NETCoreApp,Version=v8.0/linux-x64". */
  name: string;
  /** The target's libraries keyed by "<name>/<version>", the runtime pack prefix dropped. */
  libraries: Map<string, JsonObject>;
}

/**
 * The `targets` section of the runtime target (`runtimeTarget.name`); undefined when the file has
 * none (then nothing is filtered and no relationships are given). A file without `runtimeTarget`
 * and with a single target uses that one.
 */
function runtimeTarget(document: JsonObject, issues: Problems): Target | undefined {
  const targets = document["targets"];
  if (!isObject(targets)) return undefined;
  const runtime = document["runtimeTarget"];
  const named = isObject(runtime) ? text(runtime["name"]) : undefined;
  const names = Object.keys(targets);
  const name = named ?? (names.length === 1 ? names[0] : undefined);
  const section = name === undefined ? undefined : targets[name];
  if (name === undefined || section === undefined) return undefined;
  if (!isObject(section)) {
    issues.push(`target "${name}" is not an object`);
    return undefined;
  }
  const libraries = new Map<string, JsonObject>();
  for (const [key, entry] of new EntryBudget(issues, `libraries in target "${name}"`).entries(section)) {
    const slash = key.indexOf("/");
    if (slash < 0 || !isObject(entry)) continue;
    const id = `${stripRuntimePack(key.slice(0, slash).trim())}/${key.slice(slash + 1).trim()}`;
    if (!libraries.has(id)) libraries.set(id, entry);
  }
  return { name, libraries };
}

/** A library the target does not list counts as deployed: better a package too many than one missed. */
function hasRuntimeAssets(entry: JsonObject | undefined): boolean {
  if (entry === undefined) return true;
  return ["runtime", "runtimeTargets", "native"].some(
    (section) => entry[section] !== undefined && entry[section] !== null,
  );
}

/** The "<name>/<version>" ids a target entry depends on. */
function dependencyIds(entry: JsonObject | undefined): Set<string> {
  const ids = new Set<string>();
  const dependencies = entry?.["dependencies"];
  if (!isObject(dependencies)) return ids;
  for (const [name, version] of Object.entries(dependencies)) {
    const resolved = text(version);
    if (resolved !== undefined) ids.add(`${stripRuntimePack(name.trim())}/${resolved}`);
  }
  return ids;
}

/**
 * The application: the only project no library depends on; among several, the one named like the
 * file ("MyApp" for MyApp.deps.json); else none.
 */
function rootProject(
  projects: readonly Project[],
  target: ReadonlyMap<string, JsonObject> | undefined,
  fileName: string | undefined,
): Project | undefined {
  const referenced = new Set<string>();
  for (const entry of target?.values() ?? []) for (const id of dependencyIds(entry)) referenced.add(id);
  const candidates = projects.filter((project) => !referenced.has(project.id));
  if (candidates.length === 1) return candidates[0];
  const base = fileName?.replace(/\.deps\.json$/i, "").toLowerCase();
  const named = candidates.filter((project) => project.name.toLowerCase() === base);
  return named.length === 1 ? named[0] : undefined;
}

function stripRuntimePack(name: string): string {
  return name.startsWith(runtimePackPrefix) ? name.slice(runtimePackPrefix.length) : name;
}

function failure(issue: string): ParseResult {
  return { packages: [], issues: [issue] };
}
