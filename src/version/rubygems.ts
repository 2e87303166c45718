import { eq, gt, valid } from "@renovatebot/ruby-semver";
import type { VersionScheme } from "./scheme.ts";

/** Gem::Version ordering, through Renovate's implementation. */
export const rubygemsScheme: VersionScheme = {
  name: "rubygems",
  compare: (a, b) => {
    if (!valid(a) || !valid(b)) return undefined;
    if (eq(a, b)) return 0;
    return gt(a, b) ? 1 : -1;
  },
};
