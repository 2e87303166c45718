import type { ParseResult } from "../../catalog/cataloger.ts";
import { isObject, text } from "./json.ts";
import { isLocalSource, LockPackages, splitDescriptor } from "./lock-packages.ts";
import type { ManifestDependencies } from "./project-manifests.ts";
import { devFlag, reachable } from "./reach.ts";
import { loadYamlDocuments } from "./yaml.ts";
import { readYarnClassic } from "./yarn-classic.ts";

/** One yarn.lock entry, either format. */
interface YarnEntry {
  /** The descriptors that resolve to it ("lodash@^4.17.0", berry "lodash@npm:^4.17.0"). */
  descriptors: string[];
  /** The real package name: an alias's target. */
  name: string;
  version: string;
  /** A workspace, link, portal or file: source: the project's own code, not a package. */
  local: boolean;
  resolved?: string | undefined;
  integrity?: string | undefined;
  checksum?: string | undefined;
  dependencies: Array<[string, string]>;
}

/**
 * The packages of a yarn.lock: classic (v1, yarn's own syntax) or berry (v2+, YAML with
 * `__metadata`). Neither format records which packages are for development; when the project's
 * manifests are given (its package.json and its workspaces'), a package is dev when only
 * devDependencies reach it through the lock's dependency graph.
 */
export function parseYarnLock(content: Buffer, manifests?: readonly ManifestDependencies[]): ParseResult {
  const source = content.toString("utf8").replace(/^\uFEFF/, "");
  const out = new LockPackages();
  const entries = /^__metadata:/m.test(source) ? readBerry(source, out) : readClassic(source, out);

  let prod = new Set<number>();
  let dev = new Set<number>();
  if (manifests !== undefined) {
    const graph = new YarnGraph(entries);
    // Soft entries (workspaces, links) are not walked: berry lists a workspace's devDependencies
    // among its dependencies. Each workspace's own package.json is a root instead.
    const edges = (index: number): number[] =>
      entries[index]?.local === true ? [] : (entries[index]?.dependencies ?? []).flatMap((d) => graph.find(d));
    prod = reachable(
      manifests.flatMap((m) => m.prod.flatMap((d) => graph.findRoot(d))),
      edges,
    );
    dev = reachable(
      manifests.flatMap((m) => m.dev.flatMap((d) => graph.findRoot(d))),
      edges,
    );
  }
  for (const [index, entry] of entries.entries()) {
    if (entry.local) continue;
    out.add({
      name: entry.name,
      version: entry.version,
      resolved: entry.resolved,
      integrity: entry.integrity,
      checksum: entry.checksum,
      dev: manifests === undefined ? undefined : devFlag(index, prod, dev),
    });
  }
  return out.result({ devKnown: manifests !== undefined });
}

function readClassic(source: string, out: LockPackages): YarnEntry[] {
  const entries: YarnEntry[] = [];
  const problem = (message: string): void => {
    out.problem(message);
  };
  for (const entry of readYarnClassic(source, problem)) {
    const first = splitDescriptor(entry.specifiers[0] ?? "");
    const version = entry.fields.get("version");
    if (version === undefined || version === "") {
      out.problem(`line ${entry.line}: entry "${entry.specifiers.join(", ")}" has no version`);
      continue;
    }
    const resolved = entry.fields.get("resolved");
    entries.push({
      descriptors: entry.specifiers,
      name: realName(first.name, first.range),
      version,
      local: isLocalSource(first.range) || isLocalSource(resolved),
      resolved,
      integrity: entry.fields.get("integrity"),
      dependencies: [...(entry.blocks.get("dependencies") ?? []), ...(entry.blocks.get("optionalDependencies") ?? [])],
    });
  }
  return entries;
}

function readBerry(source: string, out: LockPackages): YarnEntry[] {
  const documents = loadYamlDocuments(source);
  if (typeof documents === "string") {
    out.problem(documents);
    return [];
  }
  const lock = documents[0];
  if (!isObject(lock)) {
    out.problem("yarn.lock is not a YAML mapping");
    return [];
  }
  const entries: YarnEntry[] = [];
  for (const [key, value] of Object.entries(lock)) {
    if (key === "__metadata") continue;
    if (!isObject(value)) {
      out.problem(`entry "${key}" is not a mapping`);
      continue;
    }
    const descriptors = key.split(",").map((d) => d.trim());
    // The resolution is the locator: "lodash@npm:4.17.21", "resolve@patch:resolve@npm%3A1.22.1#…".
    const resolution = text(value["resolution"]);
    const locator = splitDescriptor(resolution ?? descriptors[0] ?? "");
    const version = text(value["version"]);
    if (version === undefined) {
      out.problem(`entry "${key}" has no version`);
      continue;
    }
    entries.push({
      descriptors,
      name: resolution === undefined ? realName(locator.name, locator.range) : locator.name,
      version,
      local: value["linkType"] === "soft" || isLocalSource(locator.range),
      resolved: resolution,
      checksum: text(value["checksum"]),
      dependencies: stringPairs(value["dependencies"]),
    });
  }
  return entries;
}

/** "alias@npm:real@^1.0.0" installs real. */
function realName(name: string, range: string): string {
  return range.startsWith("npm:") && range.indexOf("@", "npm:".length + 1) > 0
    ? splitDescriptor(range.slice("npm:".length)).name
    : name;
}

function stringPairs(value: unknown): Array<[string, string]> {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(
    ([name, range]): Array<[string, string]> => (typeof range === "string" ? [[name, range]] : []),
  );
}

/** Finds the entry a dependency "name": "range" resolves to. */
class YarnGraph {
  private readonly byDescriptor = new Map<string, number>();
  private readonly byName = new Map<string, number[]>();

  constructor(entries: readonly YarnEntry[]) {
    for (const [index, entry] of entries.entries()) {
      for (const descriptor of entry.descriptors) {
        this.byDescriptor.set(descriptor, index);
        const { name } = splitDescriptor(descriptor);
        const list = this.byName.get(name);
        if (list === undefined) this.byName.set(name, [index]);
        else if (!list.includes(index)) list.push(index);
      }
    }
  }

  /** Berry writes "npm:" ranges without the protocol in dependency lists. */
  find([name, range]: [string, string]): number[] {
    const index = this.byDescriptor.get(`${name}@${range}`) ?? this.byDescriptor.get(`${name}@npm:${range}`);
    return index === undefined ? [] : [index];
  }

  /** A manifest's range may be newer than the lock: then every locked version of that name. */
  findRoot(dependency: [string, string]): number[] {
    const exact = this.find(dependency);
    return exact.length > 0 ? exact : (this.byName.get(dependency[0]) ?? []);
  }
}
