/** PHP Composer packages (composer.lock, installed.json). Owned by the composer cataloger folder; fields are filled in by it. */
export interface ComposerMetadata {
  kind: "composer";
  /** Listed under `packages-dev` of composer.lock, or in `dev-package-names` of a composer 2 installed.json. */
  dev: boolean;
  /**
   * From the composer.json beside a composer.lock: "direct" when its `require` or `require-dev` names
   * the package, else "indirect". Absent when that is unknown (no or broken composer.json, installed.json).
   */
  relationship?: "direct" | "indirect";
  /** Composer package type: "library", "composer-plugin", "metapackage", ... */
  type?: string;
  description?: string;
  homepage?: string;
  /** The source (VCS) repository the package came from, and the commit or tag composer pinned. */
  sourceUrl?: string;
  sourceReference?: string;
  /** The archive composer downloaded, and its SHA-1 when the lock records one. */
  distUrl?: string;
  distShasum?: string;
}
