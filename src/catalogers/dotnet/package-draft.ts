import type { PackageDraft } from "../../catalog/cataloger.ts";
import type { DotnetMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";

/** Finds the licenses of a NuGet package (from a .nuspec in a NuGet packages folder), or none. */
export type LicenseLookup = (name: string, version: string) => string[];

/** A NuGet package: `pkg:nuget/<Name>@<version>`, the name as written (NuGet ids are case-insensitive). */
export function nugetPackage(
  name: string,
  version: string,
  metadata: DotnetMetadata,
  licenses: LicenseLookup | undefined,
): PackageDraft | Error {
  const purl = packageUrl({ type: "nuget", name, version });
  if (purl instanceof Error) return new Error(`package ${name}: no purl: ${purl.message}`);
  return { name, version, purl, licenses: licenses?.(name, version) ?? [], metadata };
}

/** "Name@version", the form dependencies are listed in. */
export function reference(name: string, version: string): string {
  return `${name}@${version}`;
}
