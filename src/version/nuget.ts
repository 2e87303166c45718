import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

interface NugetVersion {
  parts: [bigint, bigint, bigint, bigint];
  prerelease: string[];
}

/** NuGet.Versioning: up to four numeric parts, an optional SemVer 2 prerelease, metadata ignored. */
export function parseNuget(version: string): NugetVersion | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]*)?$/.exec(
    version.trim(),
  );
  if (!match) return undefined;
  const part = (index: number): bigint => BigInt(match[index] ?? "0");
  return { parts: [part(1), part(2), part(3), part(4)], prerelease: match[5] ? match[5].split(".") : [] };
}

function comparePrerelease(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) {
      const order = BigInt(x) - BigInt(y);
      if (order !== 0n) return order < 0n ? -1 : 1;
    } else if (xNumeric !== yNumeric) {
      return xNumeric ? -1 : 1;
    } else {
      const order = x.toLowerCase().localeCompare(y.toLowerCase(), "en");
      if (order !== 0) return Math.sign(order);
    }
  }
  return 0;
}

export function compareNuget(a: string, b: string): number | undefined {
  const x = parseNuget(a);
  const y = parseNuget(b);
  if (!x || !y) return undefined;
  return orderNuget(x, y);
}

function orderNuget(x: NugetVersion, y: NugetVersion): number {
  for (let i = 0; i < 4; i++) {
    const order = (x.parts[i] ?? 0n) - (y.parts[i] ?? 0n);
    if (order !== 0n) return order < 0n ? -1 : 1;
  }
  return comparePrerelease(x.prerelease, y.prerelease);
}

export const nugetScheme: VersionScheme = parsedScheme("nuget", parseNuget, orderNuget);
