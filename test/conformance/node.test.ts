import type { NpmMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const npm = (p: Reported): NpmMetadata | undefined => (p.metadata.kind === "npm" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "node",
  parserKinds: { "npm-package-json": "npm-package-json" },

  fields: {
    author: (p, e) => npm(p)?.author === e,
    private: (p, e) => npm(p)?.private === e,
  },
  unmodelled: { digest: "catalogers do not hash package.json files (Trivy asserts it only with checksums enabled)" },
  disagreements: [
    {
      key: "node/trivy-without-version packages",
      reason: "Trivy's parser returns a package.json without a version; its analyzer, like us, drops it",
    },
    {
      key: "node/trivy-without-name-and-version packages",
      reason: "Trivy's parser returns a nameless package.json; its analyzer, like us, drops it",
    },
    {
      key: "node/syft-partial packages",
      reason: "Syft emits a package with an empty name and version; we follow Trivy's analyzer and drop it",
    },
  ],
});
