import type { GoMetadata } from "../../src/model/package.ts";
import { goBinary } from "../../src/catalogers/go/index.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const go = (p: Reported): GoMetadata | undefined => (p.metadata.kind === "go" ? p.metadata : undefined);

/** Trivy's relationship for a Go binary's packages: the main module is the root, stdlib a direct dependency. */
const relationships: Record<NonNullable<GoMetadata["role"]>, string> = {
  main: "root",
  stdlib: "direct",
  dependency: "unknown",
};

conformanceSuite({
  ecosystem: "go",
  parserKinds: { "go-binary": "go-binary" },
  catalogers: [goBinary],
  fields: {
    // Trivy's Go package ID: name@version, or the bare name when the version is unknown.
    id: (p, e) => (p.version === "" ? p.name : `${p.name}@${p.version}`) === e,
    relationship: (p, e) => {
      const metadata = go(p);
      return metadata?.role !== undefined && relationships[metadata.role] === e;
    },
  },
  disagreements: [],
});
