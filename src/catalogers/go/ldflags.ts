/**
 * The main module's version stamped with `go build -ldflags "-X <package>.version=<semver>"`, for
 * binaries whose module version is "(devel)" (Trivy's rule, issue 6702): keys ending in ".version"
 * or ".ver" (any case) with a semantic-version value, preferring
 *   1. keys under the main module's own cmd/ tree (`<module>/cmd/app.version`),
 *   2. keys in a package named main, common, version or cmd (`main.version`, `…/version.Version`),
 *   3. any other such key;
 * two different versions in the first group that has any give no version at all.
 * The version gets a "v" prefix when it has none, like every Go module version.
 */
export function versionFromLdflags(ldflags: string, modulePath: string): string | undefined {
  const groups: [Set<string>, Set<string>, Set<string>] = [new Set(), new Set(), new Set()];
  for (const [key, value] of xDefinitions(ldflags)) {
    const lower = key.toLowerCase();
    if (!lower.endsWith(".version") && !lower.endsWith(".ver")) continue;
    const version = value.startsWith("v") ? value : `v${value}`;
    if (!isSemver(version)) continue;
    if (key.startsWith(`${modulePath}/cmd/`)) groups[0].add(version);
    else if (preferredPackages.has(packageName(key))) groups[1].add(version);
    else groups[2].add(version);
  }
  for (const group of groups) {
    if (group.size === 1) return [...group][0];
    if (group.size > 1) return undefined;
  }
  return undefined;
}

const preferredPackages = new Set(["main", "common", "version", "cmd"]);

/** "github.com/x/y/pkg/version.Version" → "version". */
function packageName(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const dot = name.indexOf(".");
  return (dot < 0 ? name : name.slice(0, dot)).toLowerCase();
}

/**
 * The `name=value` pairs of every -X flag: `-X a.b=v`, `-X=a.b=v`, `-Xa.b=v`, `--X …`, with single
 * or double quotes around the pair or its parts, and several pairs joined by commas. The flags
 * are split on white space (quoted values with spaces are not put back together, as in Trivy).
 */
function xDefinitions(ldflags: string): [string, string][] {
  const fields = ldflags.split(/\s+/).filter((field) => field !== "");
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? "";
    let argument: string | undefined;
    if (field === "-X" || field === "--X") argument = fields[++i];
    else if (field.startsWith("--X=")) argument = field.slice(4);
    else if (field.startsWith("-X")) argument = field.slice(field.startsWith("-X=") ? 3 : 2);
    if (argument === undefined) continue;
    for (const part of argument.split(",")) {
      const unquoted = part.replace(/^["']+|["']+$/g, "");
      const equals = unquoted.indexOf("=");
      if (equals <= 0) continue;
      const key = unquoted.slice(0, equals).replace(/["']+$/, "");
      const value = unquoted.slice(equals + 1).replace(/^["']+/, "");
      pairs.push([key, value]);
    }
  }
  return pairs;
}

const numeric = "(?:0|[1-9]\\d*)";
const prereleasePart = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const semver = new RegExp(
  `^v${numeric}(?:\\.${numeric}(?:\\.${numeric}(?:-${prereleasePart}(?:\\.${prereleasePart})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?)?)?$`,
);

/** Go's semver.IsValid: "v1", "v1.2" and "v1.2.3" with optional pre-release and build parts on the full form. */
export function isSemver(version: string): boolean {
  return semver.test(version);
}
