export interface NpmMetadata {
  kind: "npm";
  author?: string;
  homepage?: string;
  description?: string;
  url?: string;
  /** package.json `"private": true`; always false for packages read from lock files. */
  private: boolean;
  /**
   * Lock files: where the package came from, as the lock file writes it: a tarball or git URL
   * (npm, yarn classic, pnpm) or a yarn berry resolution ("lodash@npm:4.17.21").
   */
  resolved?: string;
  /** Lock files: the Subresource Integrity hash of the tarball ("sha512-…"). */
  integrity?: string;
  /** yarn berry: the checksum of yarn's cache archive (not comparable with `integrity`). */
  checksum?: string;
  /**
   * Lock files: true when the package is needed only for development (reached only through
   * devDependencies), false when a production install needs it. Absent when the lock file cannot
   * tell (a yarn.lock without the project's package.json beside it).
   */
  dev?: boolean;
  /** Lock files: present only through optional dependencies (npm `optional`/`devOptional`, pnpm `optional`). */
  optional?: boolean;
  /** npm lock files: installed only to satisfy peer dependencies (npm `peer`). */
  peer?: boolean;
}
