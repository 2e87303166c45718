import { InputError } from "../errors.ts";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const defaultPlatform: Platform = { os: "linux", architecture: "amd64" };

const architectureAliases: Record<string, Platform["architecture"]> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  i386: "386",
  i686: "386",
};

/** The variant an architecture means when none is written (as containerd reads them). */
const defaultVariants: Record<string, string> = { arm64: "v8", arm: "v7" };

/** "os/arch[/variant]" as given to --platform. */
export function parsePlatform(text: string): Platform {
  const parts = text.split("/");
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || variant === "") {
    throw new InputError(`platform "${text}" is not of the form os/arch[/variant], e.g. linux/arm64`);
  }
  return normalisePlatform(variant === undefined ? { os, architecture } : { os, architecture, variant });
}

export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant === undefined ? base : `${base}/${platform.variant}`;
}

function normalisePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const lower = platform.architecture.toLowerCase();
  const architecture = architectureAliases[lower] ?? lower;
  const variant = platform.variant?.toLowerCase() ?? defaultVariants[architecture];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/**
 * The index of the candidate that best fits the wanted platform: same os and architecture, and the same
 * variant after defaults ("linux/arm64" is "linux/arm64/v8"); when only os/arch was asked for and no variant
 * matches, any variant of that architecture will do. Undefined when nothing fits.
 */
export function choosePlatform(wanted: Platform, candidates: readonly (Platform | undefined)[]): number | undefined {
  const want = normalisePlatform(wanted);
  const variantAsked = wanted.variant !== undefined;
  let fallback: number | undefined;
  for (const [index, candidate] of candidates.entries()) {
    if (candidate === undefined) continue;
    const have = normalisePlatform(candidate);
    if (have.os !== want.os || have.architecture !== want.architecture) continue;
    if (have.variant === want.variant) return index;
    if (!variantAsked) fallback ??= index;
  }
  return fallback;
}

/**
 * The candidate of a multi-platform index that matches the requested platform (default
 * linux/amd64); an InputError listing the available platforms when none does.
 */
export function pickPlatform<T extends { platform?: Platform | undefined }>(
  candidates: readonly T[],
  requested: string | undefined,
  reference: string,
): T {
  const wanted = requested === undefined ? defaultPlatform : parsePlatform(requested);
  const chosen =
    candidates[
      choosePlatform(
        wanted,
        candidates.map((candidate) => candidate.platform),
      ) ?? -1
    ];
  if (chosen === undefined) {
    const available = candidates.map((candidate) =>
      candidate.platform ? formatPlatform(candidate.platform) : "unknown",
    );
    throw new InputError(
      `${reference} has no image for ${formatPlatform(wanted)}; available platforms: ${available.join(", ")}`,
    );
  }
  return chosen;
}
