/** How advisories and packages spell the same name: both sides go through this before comparing. */
export function normalizePackageName(baseEcosystem: string, name: string): string {
  switch (baseEcosystem) {
    case "PyPI":
      return name.toLowerCase().replace(/[-_.]+/g, "-");
    case "Packagist":
    case "NuGet":
      return name.toLowerCase();
    default:
      return name;
  }
}

/** "Debian:12" → "Debian"; "Ubuntu:22.04:LTS" → "Ubuntu". */
export function baseEcosystemOf(ecosystem: string): string {
  const colon = ecosystem.indexOf(":");
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}
