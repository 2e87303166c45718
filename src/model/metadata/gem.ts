/** Ruby gems (specifications/*.gemspec). Owned by the gem cataloger folder; fields are filled in by it. */
export interface GemMetadata {
  kind: "gem";
}
