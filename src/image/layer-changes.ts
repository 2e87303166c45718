/** What one layer does to the files Strata cares about. */
export interface LayerChanges {
  /** Wanted regular files (and hard links to them) with their content. */
  files: Map<string, Buffer>;
  /** Every symlink in the layer: path → raw target. */
  symlinks: Map<string, string>;
  /** Paths hidden by whiteout files (`.wh.<name>`). */
  removed: string[];
  /** Directories whose lower-layer content is hidden (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /** Wanted paths that were present but could not be kept (too large): they replace lower content. */
  dropped: string[];
  /** Problems in this layer; `complete` is false when the layer could not be read to the end. */
  issues: LayerProblem[];
  complete: boolean;
  entries: number;
  /** Bytes of uncompressed tar (or of files read, for a directory). */
  bytes: number;
}

export interface LayerProblem {
  message: string;
  path?: string;
  severity: "warning" | "error";
}

export function emptyChanges(): LayerChanges {
  return {
    files: new Map(),
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
