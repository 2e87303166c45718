import type { Distro } from "../model/distro.ts";
import type { Ecosystem } from "../model/ecosystem.ts";
import type { LayerRef } from "../model/layer.ts";
import type { PackageMetadata } from "../model/package.ts";
import type { ScanLimits } from "../limits.ts";

/**
 * Which files a cataloger wants kept from the layer stream. Paths are absolute ("/var/lib/dpkg/status").
 * Globs use picomatch syntax against the absolute path, e.g. "/**\/node_modules/*\/package.json".
 */
export interface Interest {
  paths?: readonly string[];
  globs?: readonly string[];
  /** Files larger than this are skipped with an issue (default: ScanLimits.maxFileBytes). */
  maxBytes?: number;
  /**
   * Files kept only to be read through ParseContext.view while parsing the files above (a
   * copyright file beside a dpkg database, Cargo.toml beside Cargo.lock); never parsed on their own.
   * When one changes, the cataloger's files are parsed again.
   */
  context?: { paths?: readonly string[]; globs?: readonly string[]; maxBytes?: number };
}

/** A file kept from a layer, with its content. */
export interface CollectedFile {
  path: string;
  layer: LayerRef;
  content: Buffer;
}

/** Read-only access to the collected files of the image as it stands after the layer being parsed. */
export interface FileView {
  /** The file at `path` (symlinks followed inside the image), if it was collected. */
  get(path: string): CollectedFile | undefined;
  /** Collected files whose path starts with `dir` + "/". */
  list(dir: string): CollectedFile[];
}

export interface ParseContext {
  /** The distro of the image as of this layer, when known. */
  distro: Distro | undefined;
  view: FileView;
  limits: ScanLimits;
}

export interface PackageDraft {
  name: string;
  version: string;
  purl: string;
  licenses: string[];
  metadata: PackageMetadata;
}

export interface ParseResult {
  packages: PackageDraft[];
  /** Problems with this file; packages read before the problem are still returned. */
  issues: string[];
}

export interface Cataloger {
  /** "<ecosystem>-<source>", e.g. "dpkg-status"; shown in output as "found by". */
  readonly name: string;
  readonly ecosystem: Ecosystem;
  /** Bump when the output for the same input changes (invalidates cached layers). */
  readonly version: number;
  readonly wants: Interest;
  readonly parse: (file: CollectedFile, ctx: ParseContext) => ParseResult | Promise<ParseResult>;
}

export function defineCataloger(cataloger: Cataloger): Cataloger {
  return cataloger;
}
