/** PHP Composer packages (composer.lock, installed.json). Owned by the composer cataloger folder; fields are filled in by it. */
export interface ComposerMetadata {
  kind: "composer";
}
