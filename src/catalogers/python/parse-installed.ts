import type { ParseResult } from "../../catalog/cataloger.ts";
import type { PythonMetadata } from "../../model/package.ts";
import { parseMetadata } from "./parse-metadata.ts";
import { readSidecars } from "./sidecars.ts";

/** Gives the bytes of another file of the image, when it was collected. */
export type ReadFile = (path: string) => Uint8Array | undefined;

/**
 * An installed distribution: `<dir>.dist-info/METADATA`, `<dir>.egg-info/PKG-INFO` (upper-case
 * `DIST-INFO` / `EGG-INFO` too), or a `.egg-info` regular file. Inside a metadata directory the
 * files beside it (top_level.txt, direct_url.json, INSTALLER) are read through `read`.
 */
export function parseInstalled(path: string, content: Uint8Array, read: ReadFile): ParseResult {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base !== "METADATA" && base !== "PKG-INFO") {
    // A .egg-info regular file (or a metadata file under another name): nothing beside it belongs to it.
    return parseMetadata(content, { format: /(PKG-INFO|\.egg-info)$/i.test(base) ? "egg-info" : "dist-info" });
  }
  const format = directoryFormat(dir.slice(dir.lastIndexOf("/") + 1), base);
  // setuptools writes PKG-INFO in egg-info directories; some installers write METADATA there
  // instead. When both are present, PKG-INFO speaks for the distribution.
  if (format === "egg-info" && base === "METADATA" && read(`${dir}/PKG-INFO`) !== undefined) {
    return { packages: [], issues: [] };
  }
  return parseMetadata(content, { format, sidecars: readSidecars((name) => read(`${dir}/${name}`)) });
}

function directoryFormat(dirName: string, base: string): PythonMetadata["format"] {
  if (/egg-info$/i.test(dirName)) return "egg-info";
  if (/dist-info$/i.test(dirName)) return "dist-info";
  return base === "PKG-INFO" ? "egg-info" : "dist-info";
}
