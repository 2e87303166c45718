import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { DotnetMetadata } from "../../model/package.ts";
import { type LicenseLookup, nugetPackage, reference } from "./package-draft.ts";
import { children, parseXml } from "./xml.ts";

export interface PackagesConfigOptions {
  licenses?: LicenseLookup;
}

/** XML boolean spellings a `developmentDependency` attribute may use. */
const truthy = /^(true|1)$/i;

interface Entry {
  name: string;
  version: string;
  frameworks: Set<string>;
  requested: string | undefined;
}

/**
 * The packages of a legacy NuGet `packages.config`: `<packages><package id version .../></packages>`.
 * Development dependencies (`developmentDependency="true"`: analyzers, build tools) are left out,
 * as they are not shipped with the application. A package listed twice is reported once.
 */
export function parsePackagesConfig(content: Buffer, options: PackagesConfigOptions = {}): ParseResult {
  const { root, problem } = parseXml(content);
  const issues: string[] = problem === undefined ? [] : [problem];
  if (!root) return { packages: [], issues };
  if (root.name !== "packages")
    return { packages: [], issues: [...issues, `root element <${root.name}> is not <packages>`] };

  const entries = new Map<string, Entry>();
  for (const element of children(root, "package")) {
    const name = element.attributes.get("id")?.trim() ?? "";
    const version = element.attributes.get("version")?.trim() ?? "";
    if (name === "") {
      issues.push("a <package> without an id");
      continue;
    }
    if (truthy.test(element.attributes.get("developmentDependency")?.trim() ?? "")) continue;
    if (version === "") {
      issues.push(`package ${name}: no version`);
      continue;
    }
    const key = reference(name, version);
    let entry = entries.get(key);
    if (!entry) {
      entry = { name, version, frameworks: new Set(), requested: undefined };
      entries.set(key, entry);
    }
    const framework = element.attributes.get("targetFramework")?.trim();
    if (framework) entry.frameworks.add(framework);
    entry.requested ??= element.attributes.get("allowedVersions")?.trim() || undefined;
  }

  const packages: PackageDraft[] = [];
  for (const entry of entries.values()) {
    const metadata: DotnetMetadata = {
      kind: "dotnet",
      source: "packages.config",
      targetFrameworks: [...entry.frameworks],
      ...(entry.requested !== undefined && { requested: entry.requested }),
      dependencies: [],
    };
    const draft = nugetPackage(entry.name, entry.version, metadata, options.licenses);
    if (draft instanceof Error) issues.push(draft.message);
    else packages.push(draft);
  }
  return { packages, issues };
}
