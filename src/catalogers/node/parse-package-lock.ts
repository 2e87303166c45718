import type { ParseResult } from "../../catalog/cataloger.ts";
import { isObject, type JsonObject, parseJson, text } from "./json.ts";
import { declaredLicenses } from "./licenses.ts";
import { isLocalSource, LockPackages, splitDescriptor } from "./lock-packages.ts";

/** Nesting of lockfileVersion 1 `dependencies` followed; deeper levels are left out with an issue. */
const maxV1Depth = 64;
const nodeModules = "node_modules/";

/**
 * The packages of a package-lock.json, npm-shrinkwrap.json or hidden lockfile
 * (node_modules/.package-lock.json). Versions 2 and 3 are read from `packages` (keyed by install
 * path), version 1 from the nested `dependencies`. The project itself, workspace folders, links and
 * local (file:) sources are not packages; one package per name@version.
 */
export function parsePackageLock(content: Buffer): ParseResult {
  const parsed = parseJson(content);
  if ("problem" in parsed) return { packages: [], issues: [parsed.problem] };
  const lock = parsed.value;
  if (!isObject(lock)) return { packages: [], issues: ["lock file is not a JSON object"] };

  const out = new LockPackages();
  const packages = lock["packages"];
  const dependencies = lock["dependencies"];
  const version = lock["lockfileVersion"];
  // Version 2 carries both sections; `packages` is the complete one.
  if (isObject(packages)) readPackages(packages, out);
  else if (isObject(dependencies)) readDependencies(dependencies, 1, out);
  else if (typeof version !== "number")
    out.problem("no lockfileVersion, packages or dependencies: not an npm lock file");
  if (typeof version === "number" && ![1, 2, 3].includes(version)) out.problem(`unknown lockfileVersion ${version}`);
  return out.result({ devKnown: true });
}

/** lockfileVersion 2 and 3: "node_modules/a/node_modules/@s/b" → package @s/b. */
function readPackages(packages: JsonObject, out: LockPackages): void {
  for (const [path, entry] of Object.entries(packages)) {
    // "" is the project; paths without node_modules are workspace (or other local) folders.
    const at = path.lastIndexOf(nodeModules);
    if (at < 0 || (at > 0 && path[at - 1] !== "/")) continue;
    if (!isObject(entry)) {
      out.problem(`entry "${path}" is not an object`);
      continue;
    }
    // A symlink to a folder that has its own entry (workspaces, file: folders).
    if (entry["link"] === true) continue;
    const resolved = text(entry["resolved"]);
    if (isLocalSource(resolved)) continue;
    // `name` is written when it differs from the folder: an alias ("node_modules/foo" installs bar).
    const name = text(entry["name"]) ?? path.slice(at + nodeModules.length);
    const version = text(entry["version"]);
    if (version === undefined) {
      out.problem(`entry "${path}" has no version`);
      continue;
    }
    const optional = entry["optional"] === true || entry["devOptional"] === true;
    out.add({
      name,
      version,
      resolved,
      integrity: text(entry["integrity"]),
      // devOptional: needed by development, or optionally by production, so not development-only.
      dev: entry["dev"] === true,
      optional,
      peer: entry["peer"] === true,
      licenses: lockLicenses(entry["license"]),
    });
  }
}

/** lockfileVersion 1: `dependencies` nested as node_modules is. */
function readDependencies(dependencies: JsonObject, depth: number, out: LockPackages): void {
  if (depth > maxV1Depth) {
    out.problem(`dependencies nested deeper than ${maxV1Depth} levels are left out`);
    return;
  }
  for (const [key, entry] of Object.entries(dependencies)) {
    if (!isObject(entry)) {
      out.problem(`dependency "${key}" is not an object`);
      continue;
    }
    const nested = entry["dependencies"];
    if (isObject(nested)) readDependencies(nested, depth + 1, out);
    let version = text(entry["version"]);
    if (version === undefined) {
      out.problem(`dependency "${key}" has no version`);
      continue;
    }
    if (isLocalSource(version) || isLocalSource(text(entry["resolved"]))) continue;
    let name = key;
    // An alias: "version": "npm:real-name@1.2.3".
    if (version.startsWith("npm:")) {
      const target = splitDescriptor(version.slice("npm:".length));
      name = target.name;
      version = target.range;
    }
    out.add({
      name,
      version,
      resolved: text(entry["resolved"]),
      integrity: text(entry["integrity"]),
      dev: entry["dev"] === true,
      optional: entry["optional"] === true,
    });
  }
}

/** `license` as npm copies it from package.json: a string, an array of strings, or legacy {type} objects. */
function lockLicenses(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      typeof item === "string" ? optional(text(item)) : declaredLicenses(item, undefined),
    );
  }
  return declaredLicenses(value, undefined);
}

function optional(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}
