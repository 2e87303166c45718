import type { ParseResult } from "../../catalog/cataloger.ts";
import type { NpmMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { isObject, parseJson, text } from "./json.ts";
import { declaredLicenses } from "./licenses.ts";
import { packageNameProblem } from "./package-name.ts";
import { authorString } from "./people.ts";

/**
 * The package an installed package.json describes. A manifest without a name or version
 * describes no installed package and gives nothing (no issue); invalid JSON or an invalid name
 * gives an issue.
 */
export function parsePackageJson(content: Buffer): ParseResult {
  const parsed = parseJson(content);
  if ("problem" in parsed) return failure(parsed.problem);
  const manifest = parsed.value;
  if (!isObject(manifest)) return failure("package.json is not a JSON object");

  const name = text(manifest["name"]);
  const version = text(manifest["version"]);
  if (name === undefined || version === undefined) return { packages: [], issues: [] };
  const problem = packageNameProblem(name);
  if (problem !== undefined) return failure(`invalid package name "${name}": ${problem}`);

  // "@scope/name": the scope is the purl namespace.
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const purl = packageUrl({
    type: "npm",
    namespace: slash > 0 ? name.slice(0, slash) : undefined,
    name: slash > 0 ? name.slice(slash + 1) : name,
    version,
  });
  if (purl instanceof Error) return failure(`package ${name}: no purl: ${purl.message}`);

  const author = authorString(manifest);
  const homepage = text(manifest["homepage"]);
  const description = text(manifest["description"]);
  const url = repositoryUrl(manifest["repository"]);
  const metadata: NpmMetadata = {
    kind: "npm",
    ...(author !== undefined && { author }),
    ...(homepage !== undefined && { homepage }),
    ...(description !== undefined && { description }),
    ...(url !== undefined && { url }),
    private: manifest["private"] === true,
  };
  const licenses = declaredLicenses(manifest["license"], manifest["licenses"]);
  return { packages: [{ name, version, purl, licenses, metadata }], issues: [] };
}

/** `repository` as a string ("github:user/repo", a URL) or {type, url}. */
function repositoryUrl(value: unknown): string | undefined {
  return isObject(value) ? text(value["url"]) : text(value);
}

function failure(issue: string): ParseResult {
  return { packages: [], issues: [issue] };
}
