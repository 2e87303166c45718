/** Ruby gems (specifications/*.gemspec). Owned by the gem cataloger folder; fields are filled in by it. */
export interface GemMetadata {
  kind: "gem";
  /** `authors` (or a single `author`), as written. */
  authors?: string[];
  homepage?: string;
  summary?: string;
  /** `files`: in an installed specification RubyGems lists only a few (executables, extensions). */
  files?: string[];
  /** `platform` for a gem with native code ("x86_64-linux"); absent for pure-Ruby gems ("ruby"). */
  platform?: string;
}
