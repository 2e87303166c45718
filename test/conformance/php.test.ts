import { composerInstalledJson, composerLock } from "../../src/catalogers/php/index.ts";
import type { ComposerMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const composer = (p: Reported): ComposerMetadata | undefined =>
  p.metadata.kind === "composer" ? p.metadata : undefined;

conformanceSuite({
  ecosystem: "php",
  parserKinds: { "composer-lock": "composer-lock", "composer-installed-json": "composer-installed-json" },
  catalogers: [composerLock, composerInstalledJson],
  fields: {
    dev: (p, e) => composer(p)?.dev === e,
    // Trivy: "direct"/"indirect" from composer.json beside the lock, "unknown" without it.
    relationship: (p, e) => (composer(p)?.relationship ?? "unknown") === e,
    indirect: (p, e) => (composer(p)?.relationship === "indirect") === e,
  },
  unmodelled: { locations: "line ranges inside the lock file are not in the model" },
  disagreements: [
    {
      key: "php/syft-composer-lock packages",
      reason:
        "Syft's lock parser leaves packages-dev out; we report them flagged dev (metadata.dev), as Trivy does. " +
        "The two non-dev packages still agree on version, purl and licenses",
    },
  ],
});
