/** Caps that keep a hostile or huge image from exhausting memory. */
export interface ScanLimits {
  /** Largest single file a cataloger may ask to have read into memory. */
  maxFileBytes: number;
  /**
   * File contents one layer may leave in memory for the catalogers (many small files can add up
   * past any per-file cap); past it, the layer's further kept files are skipped with one issue.
   */
  maxLayerKeptBytes: number;
  /** Largest JSON document (manifest, config, index) read from a source. */
  maxMetadataBytes: number;
  /** Symlink hops followed when resolving a path. */
  maxSymlinkHops: number;
}

export const defaultLimits: ScanLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxLayerKeptBytes: 512 * 1024 * 1024,
  maxMetadataBytes: 16 * 1024 * 1024,
  maxSymlinkHops: 40,
};
