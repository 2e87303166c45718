import { valid } from "@renovatebot/ruby-semver";
import { Version } from "@renovatebot/ruby-semver/dist/ruby/version.js";
import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

/** Gem::Version ordering, through Renovate's implementation (its eq and gt, on versions parsed once). */
export const rubygemsScheme: VersionScheme = parsedScheme(
  "rubygems",
  (version): Version | undefined => (valid(version) ? (Version.create(version) ?? undefined) : undefined),
  (a, b) => {
    const order = a.compare(b);
    return order === 0 ? 0 : order === 1 ? 1 : -1;
  },
);
