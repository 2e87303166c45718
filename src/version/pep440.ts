import { compare, valid } from "@renovatebot/pep440";
import type { VersionScheme } from "./scheme.ts";

/** PEP 440, through Renovate's implementation; legacy (invalid) versions are not ordered. */
export const pep440Scheme: VersionScheme = {
  name: "pep440",
  compare: (a, b) => (valid(a) !== null && valid(b) !== null ? Math.sign(compare(a, b)) : undefined),
};
