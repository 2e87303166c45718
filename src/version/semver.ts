import semver from "semver";
import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

const parse = (version: string): semver.SemVer | undefined => semver.parse(version) ?? undefined;

/** SemVer 2.0 precedence (npm, crates.io, OSV SEMVER ranges); a leading "v" is tolerated. */
export const semverScheme: VersionScheme = parsedScheme(
  "semver",
  (version) => parse(version.trim().replace(/^v/, "")),
  (a, b) => a.compare(b),
);

/**
 * Go module versions and toolchains: "v1.2.3+incompatible" is 1.2.3; pseudo-versions are
 * already SemVer prereleases; "go1.21" is 1.21.0 and "go1.21rc2" is 1.21.0-rc.2.
 */
export function normalizeGoVersion(version: string): string {
  const text = version.trim().replace(/\+incompatible$/, "");
  const toolchain = /^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(text);
  if (toolchain) {
    const [, major, minor = "0", patch = "0", pre, preNumber] = toolchain;
    return `${major}.${minor}.${patch}${pre ? `-${pre}.${preNumber ?? "0"}` : ""}`;
  }
  return text.replace(/^v/, "");
}

export const goScheme: VersionScheme = parsedScheme(
  "go",
  (version) => parse(normalizeGoVersion(version)),
  (a, b) => a.compare(b),
);
