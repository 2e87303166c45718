import type { ParseResult } from "../catalog/cataloger.ts";

/** What one layer does to the files Strata cares about. */
export interface LayerChanges {
  /**
   * Wanted regular files (and hard links to them) with their content. Files that only eager
   * catalogers wanted are here with empty content: their results are in `parsed`.
   */
  files: Map<string, Buffer>;
  /** What eager catalogers made of files as they were read, by path. */
  parsed: Map<string, EagerResult[]>;
  /** Every symlink in the layer: path → raw target. */
  symlinks: Map<string, string>;
  /** Paths hidden by whiteout files (`.wh.<name>`). */
  removed: string[];
  /** Directories whose lower-layer content is hidden (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /**
   * Non-directory entries whose content was not kept (not wanted, too large, not an executable after
   * all): like any file, they hide what lower layers had at and below their path.
   */
  dropped: string[];
  /** Problems in this layer; `complete` is false when the layer could not be read to the end. */
  issues: LayerProblem[];
  complete: boolean;
  entries: number;
  /** Bytes of uncompressed tar (or of files read, for a directory). */
  bytes: number;
}

export interface EagerResult {
  /** The cataloger's name. */
  cataloger: string;
  result: ParseResult;
}

export interface LayerProblem {
  message: string;
  path?: string;
  severity: "warning" | "error";
}

export function emptyChanges(): LayerChanges {
  return {
    files: new Map(),
    parsed: new Map(),
    symlinks: new Map(),
    removed: [],
    opaqueDirs: [],
    dropped: [],
    issues: [],
    complete: true,
    entries: 0,
    bytes: 0,
  };
}
