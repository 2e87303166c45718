import { cargoAuditable, cargoLock } from "../../src/catalogers/rust/index.ts";
import type { CargoMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const cargo = (p: Reported): CargoMetadata | undefined => (p.metadata.kind === "cargo" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "rust",
  parserKinds: { "cargo-lock": "cargo-lock", "cargo-auditable-binary": "cargo-auditable-binary" },
  catalogers: [cargoLock, cargoAuditable],
  fields: {
    // Trivy: the binary's own crate is "root"; the audit data does not say direct or indirect.
    relationship: (p, e) => (cargo(p)?.root === true ? "root" : "unknown") === e,
  },
  unmodelled: {
    locations: "line ranges of a package inside its lock file are not in the model",
  },
  disagreements: [],
});
