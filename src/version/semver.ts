import semver from "semver";
import type { VersionScheme } from "./scheme.ts";

function compareParsed(a: string, b: string): number | undefined {
  const x = semver.parse(a);
  const y = semver.parse(b);
  if (!x || !y) return undefined;
  return semver.compare(x, y);
}

/** SemVer 2.0 precedence (npm, crates.io, OSV SEMVER ranges); a leading "v" is tolerated. */
export const semverScheme: VersionScheme = {
  name: "semver",
  compare: (a, b) => compareParsed(a.trim().replace(/^v/, ""), b.trim().replace(/^v/, "")),
};

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

export const goScheme: VersionScheme = {
  name: "go",
  compare: (a, b) => compareParsed(normalizeGoVersion(a), normalizeGoVersion(b)),
};
