import { errorMessage } from "../errors.ts";
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
  /**
   * Every regular file with an executable mode bit whose first bytes are an ELF, PE or Mach-O
   * header (Go binaries, cargo-auditable binaries). Other executables are never buffered.
   */
  executables?: boolean;
  /**
   * With `executables`: the only ELF sections the parser reads. An ELF file is then read as its section
   * table and these sections (see image/elf-skim.ts), not whole; without it, executables are read whole.
   */
  elfSections?: readonly string[];
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
  /** Where inside the file the package was found, for archives: "WEB-INF/lib/x.jar!META-INF/maven/g/a/pom.properties". */
  inside?: string;
}

export interface ParseResult {
  packages: PackageDraft[];
  /** Problems with this file; packages read before the problem are still returned. */
  issues: string[];
  /** Set by the pipeline when the parser threw: a bug, reported as an error. */
  failure?: string;
}

export interface Cataloger {
  /** "<ecosystem>-<source>", e.g. "dpkg-status"; shown in output as "found by". */
  readonly name: string;
  readonly ecosystem: Ecosystem;
  /** Bump when the output for the same input changes (invalidates cached layers). */
  readonly version: number;
  readonly wants: Interest;
  /**
   * Parse each file as soon as it is read from the layer and keep only the result, so large files
   * (archives, binaries) never pile up in memory. An eager parser sees no distro and an empty view.
   */
  readonly eager?: boolean;
  readonly parse: (file: CollectedFile, ctx: ParseContext) => ParseResult | Promise<ParseResult>;
}

export function defineCataloger(cataloger: Cataloger): Cataloger {
  return cataloger;
}

/**
 * A parse function whose parser module is imported when the first file arrives, so that the list of catalogers
 * loads without any parser or its libraries (a rescan answered from the cache parses nothing). Once the
 * module is loaded, calls are as synchronous as the parser.
 */
export function parsedWith<M>(
  load: () => Promise<M>,
  parse: (parser: M, file: CollectedFile, ctx: ParseContext) => ParseResult | Promise<ParseResult>,
): Cataloger["parse"] {
  let loaded: M | undefined;
  let loading: Promise<M> | undefined;
  return (file, ctx) => {
    if (loaded !== undefined) return parse(loaded, file, ctx);
    loading ??= load().then(
      (parser) => {
        loaded = parser;
        return parser;
      },
      (error: unknown) => {
        // Not kept: the next file tries again.
        loading = undefined;
        throw new Error(`cannot load the parser: ${errorMessage(error)}`, { cause: error });
      },
    );
    return loading.then((parser) => parse(parser, file, ctx));
  };
}
