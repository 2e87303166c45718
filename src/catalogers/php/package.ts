import type { PackageDraft } from "../../catalog/cataloger.ts";
import type { ComposerMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { isObject, text, texts } from "./json.ts";

/** What the file around a package entry says about it. */
export interface EntryFacts {
  dev: boolean;
  /** undefined: not known. */
  relationship: "direct" | "indirect" | undefined;
}

/**
 * One entry of a composer.lock `packages`/`packages-dev` list or of installed.json: the package, or
 * why there is none. `where` names the entry in issues ("packages[3]").
 */
export function composerPackage(
  entry: unknown,
  where: string,
  facts: (name: string) => EntryFacts,
): PackageDraft | string {
  if (!isObject(entry)) return `${where} is not an object`;
  const name = text(entry["name"]);
  if (name === undefined) return `${where} has no name`;
  const version = text(entry["version"]);
  if (version === undefined) return `package ${name}: no version`;

  // "vendor/project": the vendor is the purl namespace.
  const slash = name.indexOf("/");
  const purl = packageUrl({
    type: "composer",
    namespace: slash > 0 ? name.slice(0, slash) : undefined,
    name: slash > 0 ? name.slice(slash + 1) : name,
    version,
  });
  if (purl instanceof Error) return `package ${name}: no purl: ${purl.message}`;

  const { dev, relationship } = facts(name);
  const source = isObject(entry["source"]) ? entry["source"] : {};
  const dist = isObject(entry["dist"]) ? entry["dist"] : {};
  const type = text(entry["type"]);
  const description = text(entry["description"]);
  const homepage = text(entry["homepage"]);
  const sourceUrl = text(source["url"]);
  const sourceReference = text(source["reference"]);
  const distUrl = text(dist["url"]);
  const distShasum = text(dist["shasum"]);
  const metadata: ComposerMetadata = {
    kind: "composer",
    dev,
    ...(relationship !== undefined && { relationship }),
    ...(type !== undefined && { type }),
    ...(description !== undefined && { description }),
    ...(homepage !== undefined && { homepage }),
    ...(sourceUrl !== undefined && { sourceUrl }),
    ...(sourceReference !== undefined && { sourceReference }),
    ...(distUrl !== undefined && { distUrl }),
    ...(distShasum !== undefined && { distShasum }),
  };
  return { name, version, purl, licenses: declaredLicenses(entry["license"]), metadata };
}

/**
 * `license`: a string or an array of strings; composer reads an array as "any of these". A string
 * that is only a disjunction ("MIT or BSD-2-Clause", "(LGPL-2.1-only or GPL-3.0-or-later)") is split
 * into its alternatives the same way, as Trivy does; any other expression is kept whole. Anything
 * that is not a string gives nothing.
 */
function declaredLicenses(value: unknown): string[] {
  if (typeof value !== "string") return texts(value);
  const found = text(value);
  if (found === undefined) return [];
  const inner = /^\(([^()]*)\)$/.exec(found)?.[1]?.trim() ?? found;
  const alternatives = inner.split(/\s+or\s+/i).map((part) => part.trim());
  const plain = alternatives.every((part) => /^[^\s()]+$/.test(part));
  return alternatives.length > 1 && plain ? alternatives : [found];
}
