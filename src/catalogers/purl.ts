import { PackageURL } from "packageurl-js";
import type { Distro } from "../model/distro.ts";

export interface PurlParts {
  type: string;
  namespace?: string | undefined;
  name: string;
  version?: string | undefined;
  /** Empty and undefined values are left out; keys are sorted on output. */
  qualifiers?: Record<string, string | undefined>;
}

/** The canonical purl string, or an Error when packageurl-js refuses the parts. */
export function packageUrl(parts: PurlParts): string | Error {
  const qualifiers: Record<string, string> = {};
  for (const [key, value] of Object.entries(parts.qualifiers ?? {})) {
    if (value !== undefined && value !== "") qualifiers[key] = value;
  }
  try {
    return new PackageURL(
      parts.type,
      parts.namespace || undefined,
      parts.name,
      parts.version || undefined,
      Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
      undefined,
    ).toString();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The `distro` qualifier as Syft writes it: "<id>-<versionId>", or just "<id>". */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro || distro.id === "") return undefined;
  return distro.versionId ? `${distro.id}-${distro.versionId}` : distro.id;
}
