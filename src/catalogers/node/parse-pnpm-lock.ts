import type { ParseResult } from "../../catalog/cataloger.ts";
import { isObject, text, type JsonObject } from "./json.ts";
import { isLocalSource, LockPackages, splitDescriptor } from "./lock-packages.ts";
import { devFlag, reachable } from "./reach.ts";
import { loadYamlDocuments } from "./yaml.ts";

/**
 * The packages of a pnpm-lock.yaml, every document of it (newer pnpm puts its config and
 * package-manager dependencies in a leading document). lockfileVersion 5.x keys packages
 * "/name/1.2.3_peer@1", 6.x "/name@1.2.3(peer@1)", 9.x "name@1.2.3" with the dependency graph
 * under `snapshots`. Up to pnpm 8 (lockfile 6) each package carries `dev`; from 9 the dev flag comes from
 * what the importers' dependencies and devDependencies reach. Local (file:, link:) packages are left
 * out; one package per name@version (peer-dependency variants are one package).
 */
export function parsePnpmLock(content: Buffer): ParseResult {
  const out = new LockPackages();
  const documents = loadYamlDocuments(content.toString("utf8").replace(/^\uFEFF/, ""));
  if (typeof documents === "string") {
    out.problem(documents);
    return out.result({ devKnown: true });
  }
  let major: number | undefined;
  for (const [index, document] of documents.entries()) {
    if (!isObject(document)) {
      if (document !== "") out.problem(`document ${index + 1} is not a YAML mapping`);
      continue;
    }
    // A later document without lockfileVersion keeps the one before.
    major = lockfileMajor(document["lockfileVersion"]) ?? major;
    if (major === undefined) {
      out.problem(`document ${index + 1} has no readable lockfileVersion`);
      continue;
    }
    if (major >= 9) readV9(document, out);
    else readV5V6(document, major, out);
  }
  return out.result({ devKnown: true });
}

function lockfileMajor(value: unknown): number | undefined {
  const version = text(value);
  if (version === undefined || !/^\d+(?:\.\d+)?$/.test(version)) return undefined;
  return Number.parseInt(version, 10);
}

/** lockfileVersion 5.x and 6.x: `packages` keyed by dependency path, each with its `dev` flag. */
function readV5V6(lock: JsonObject, major: number, out: LockPackages): void {
  const packages = lock["packages"];
  // "packages:" with nothing after it loads as "".
  if (packages === undefined || packages === "") return;
  if (!isObject(packages)) {
    out.problem("packages is not a mapping");
    return;
  }
  for (const [key, entry] of Object.entries(packages)) {
    if (!isObject(entry)) {
      out.problem(`package "${key}" is not a mapping`);
      continue;
    }
    const resolution = isObject(entry["resolution"]) ? entry["resolution"] : {};
    if (isLocalSource(key) || resolution["directory"] !== undefined) continue;
    // Packages from tarballs and git repositories carry their name and version; registry ones are in the key.
    const parsed = text(entry["name"]) === undefined ? dependencyPath(key, major) : undefined;
    const name = text(entry["name"]) ?? parsed?.name;
    const version = text(entry["version"]) ?? parsed?.version;
    if (name === undefined || version === undefined || version === "") {
      out.problem(`package "${key}": no name and version`);
      continue;
    }
    out.add({
      name,
      version,
      ...resolutionFields(resolution),
      dev: entry["dev"] === "true",
      optional: entry["optional"] === "true",
    });
  }
}

/**
 * "/@babel/core/7.24.0_supports-color@8.1.1" (5.x) or "/@babel/core@7.24.0(supports-color@8.1.1)"
 * (6.x); a registry host may stand in place of the leading "/" ("registry.example.com/lodash/4.17.21").
 */
function dependencyPath(key: string, major: number): { name: string; version: string } | undefined {
  let path = key;
  if (path.startsWith("/")) path = path.slice(1);
  else {
    const slash = path.indexOf("/");
    if (slash < 0 || !path.slice(0, slash).includes(".")) return undefined;
    path = path.slice(slash + 1);
  }
  if (major >= 6) return nameAtVersion(path);
  const nameEnd = path.startsWith("@") ? path.indexOf("/", path.indexOf("/") + 1) : path.indexOf("/");
  if (nameEnd <= 0) return undefined;
  const version = path.slice(nameEnd + 1).split("_")[0] ?? "";
  return { name: path.slice(0, nameEnd), version };
}

/** "name@1.2.3(peer@1)" → name, 1.2.3; undefined without a version. */
function nameAtVersion(key: string): { name: string; version: string } | undefined {
  const { name, range } = splitDescriptor(withoutPeers(key));
  return range === "" ? undefined : { name, version: range };
}

/** Drops the peer-dependency suffix: "1.2.3(react@18.2.0)(react-dom@18.2.0)" → "1.2.3". */
function withoutPeers(reference: string): string {
  const paren = reference.indexOf("(");
  return paren < 0 ? reference : reference.slice(0, paren);
}

function resolutionFields(resolution: JsonObject): { resolved?: string; integrity?: string } {
  const integrity = text(resolution["integrity"]);
  const repo = text(resolution["repo"]);
  const commit = text(resolution["commit"]);
  const resolved =
    text(resolution["tarball"]) ?? (repo !== undefined && commit !== undefined ? `${repo}#${commit}` : repo);
  return { ...(resolved !== undefined && { resolved }), ...(integrity !== undefined && { integrity }) };
}

/**
 * lockfileVersion 9: `packages` holds one entry per name@version, `snapshots` one per peer variant
 * with its dependencies, and `importers` the projects' direct dependencies. Production roots are
 * every importer's dependencies and optionalDependencies, development roots their devDependencies.
 */
function readV9(lock: JsonObject, out: LockPackages): void {
  const packages = isObject(lock["packages"]) ? lock["packages"] : {};
  const snapshots = isObject(lock["snapshots"]) ? lock["snapshots"] : {};
  const importers = isObject(lock["importers"]) ? lock["importers"] : {};

  const edges = (node: string): string[] => {
    const snapshot = snapshots[node];
    if (!isObject(snapshot)) return [];
    return [...references(snapshot["dependencies"]), ...references(snapshot["optionalDependencies"])];
  };
  const roots = (field: string): string[] =>
    Object.values(importers).flatMap((importer) => (isObject(importer) ? references(importer[field]) : []));
  const prod = packageKeys(reachable([...roots("dependencies"), ...roots("optionalDependencies")], edges));
  const dev = packageKeys(reachable(roots("devDependencies"), edges));
  const optional = new Map<string, boolean>();
  for (const [key, snapshot] of Object.entries(snapshots)) {
    const packageKey = withoutPeers(key);
    const flag = isObject(snapshot) && snapshot["optional"] === "true";
    optional.set(packageKey, (optional.get(packageKey) ?? true) && flag);
  }

  for (const [key, entry] of Object.entries(packages)) {
    if (!isObject(entry)) {
      out.problem(`package "${key}" is not a mapping`);
      continue;
    }
    const parsed = nameAtVersion(key);
    if (parsed === undefined) {
      out.problem(`package "${key}": no name and version`);
      continue;
    }
    const resolution = isObject(entry["resolution"]) ? entry["resolution"] : {};
    if (isLocalSource(parsed.version) || resolution["directory"] !== undefined) continue;
    // Tarball and git packages are keyed by their URL; the entry carries the version.
    const version = text(entry["version"]) ?? parsed.version;
    const packageKey = withoutPeers(key);
    out.add({
      name: text(entry["name"]) ?? parsed.name,
      version,
      ...resolutionFields(resolution),
      dev: devFlag(packageKey, prod, dev),
      optional: optional.get(packageKey) === true,
    });
  }
}

/**
 * The snapshot keys a dependency map points at. Values are "1.2.3(peer@1)" (the key is
 * name@value), an alias "real@1.2.3", or a local "link:../lib" (no snapshot). Importers write
 * {specifier, version} objects instead of plain values.
 */
function references(value: unknown): string[] {
  if (!isObject(value)) return [];
  const out: string[] = [];
  for (const [name, raw] of Object.entries(value)) {
    const reference = isObject(raw) ? text(raw["version"]) : text(raw);
    if (reference === undefined || isLocalSource(reference)) continue;
    out.push(withoutPeers(reference).indexOf("@", 1) > 0 ? reference : `${name}@${reference}`);
  }
  return out;
}

/** Snapshot keys reduced to package keys ("a@1.0.0(b@2.0.0)" → "a@1.0.0"). */
function packageKeys(nodes: ReadonlySet<string>): Set<string> {
  return new Set([...nodes].map(withoutPeers));
}
