import type { PackageDraft } from "../../catalog/cataloger.ts";
import type { CargoMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";

export interface Crate {
  name: string;
  version: string;
  /** Whether the crate comes from the project itself (a workspace member or a path dependency). */
  local: boolean;
  metadata: CargoMetadata;
}

/**
 * A crate as a package. A local crate gets an empty purl, as Syft gives it: a pkg:cargo purl
 * names a crate on crates.io, and a project's own crate is not that crate.
 */
export function crateDraft(crate: Crate): PackageDraft | Error {
  const purl = crate.local ? "" : packageUrl({ type: "cargo", name: crate.name, version: crate.version });
  if (purl instanceof Error) return purl;
  return { name: crate.name, version: crate.version, purl, licenses: [], metadata: crate.metadata };
}

export function crateId(name: string, version: string): string {
  return `${name}@${version}`;
}

/** Collects issue strings up to a cap, then says that more were left out. */
export function issueList(cap: number): { issues: string[]; note: (message: string) => void } {
  const issues: string[] = [];
  return {
    issues,
    note: (message) => {
      if (issues.length < cap) issues.push(message);
      else if (issues.length === cap) issues.push("further problems not listed");
    },
  };
}
