import type { ParseResult } from "../../catalog/cataloger.ts";
import { parseMetadata } from "./parse-metadata.ts";
import { lines } from "./sidecars.ts";
import { readZipEntries, type ZipLimits } from "./zip.ts";

export const archiveLimits: ZipLimits = { maxEntries: 100_000, maxEntryBytes: 16 * 1024 * 1024 };

/** `<name>-<version>.dist-info/METADATA` (or top_level.txt) at the root of a wheel. */
const wheelEntry = /^([^/]+\.dist-info)\/(METADATA|top_level\.txt)$/;

/**
 * A zipped egg: the distribution its `EGG-INFO/PKG-INFO` describes. An egg without PKG-INFO gives
 * nothing and no issue (Trivy's rule: some `.egg` files are plain zips of code).
 */
export async function parseEgg(content: Buffer, limits: ZipLimits = archiveLimits): Promise<ParseResult> {
  const wanted = new Set(["EGG-INFO/PKG-INFO", "EGG-INFO/top_level.txt"]);
  const { files, issues } = await readZipEntries(content, (name) => wanted.has(name), limits);
  const pkgInfo = files.get("EGG-INFO/PKG-INFO");
  if (pkgInfo === undefined) return { packages: [], issues };
  const topLevel = files.get("EGG-INFO/top_level.txt");
  const result = parseMetadata(pkgInfo, {
    format: "egg",
    sidecars: { topLevelPackages: topLevel === undefined ? [] : lines(topLevel), issues: [] },
    inside: "EGG-INFO/PKG-INFO",
  });
  return { packages: result.packages, issues: [...issues, ...result.issues] };
}

/**
 * A wheel: the distribution its `<name>-<version>.dist-info/METADATA` describes. A wheel has
 * exactly one such directory; none is an issue, and with several the first in the archive is used.
 */
export async function parseWheel(content: Buffer, limits: ZipLimits = archiveLimits): Promise<ParseResult> {
  const { files, issues } = await readZipEntries(content, (name) => wheelEntry.test(name), limits);
  const metadataNames = [...files.keys()].filter((name) => name.endsWith("/METADATA"));
  const first = metadataNames[0];
  if (first === undefined) {
    if (issues.length === 0) issues.push("no *.dist-info/METADATA: not a wheel");
    return { packages: [], issues };
  }
  if (metadataNames.length > 1) issues.push(`several .dist-info directories; ${first} was used`);
  const dir = first.slice(0, first.lastIndexOf("/"));
  const topLevel = files.get(`${dir}/top_level.txt`);
  const result = parseMetadata(files.get(first) ?? Buffer.alloc(0), {
    format: "wheel",
    sidecars: { topLevelPackages: topLevel === undefined ? [] : lines(topLevel), issues: [] },
    inside: first,
  });
  return { packages: result.packages, issues: [...issues, ...result.issues] };
}
