import { posix } from "node:path";

/** A name with a leading or trailing slash, an empty segment, or a "." or ".." segment. */
const uncleanName = /^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Normalises a tar entry name to an absolute path inside the image. Returns undefined for names that
 * cannot name a file inside the image root ("", "/", or a path that climbs above the root).
 */
export function imagePath(entryName: string): string | undefined {
  // Most names are already clean ("usr/bin/x", "./usr/bin/x"): no empty, "." or ".." segment after the prefix.
  const body = entryName.startsWith("./") ? entryName.slice(2) : entryName;
  if (body !== "" && !uncleanName.test(body)) return `/${body}`;
  const trimmed = entryName.replace(/\/+$/, "");
  if (trimmed === "" || trimmed === "." || trimmed === "./") return undefined;
  const segments: string[] = [];
  for (const segment of trimmed.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return undefined;
    segments.push(segment);
  }
  return segments.length === 0 ? undefined : `/${segments.join("/")}`;
}

/** Resolves a symlink target against the link's own location, clamped to the image root. */
export function resolveLinkTarget(linkPath: string, target: string): string {
  const base = target.startsWith("/") ? "/" : posix.dirname(linkPath);
  const joined = posix.join(base, target);
  // posix.join never climbs above "/" for absolute bases, which is exactly chroot semantics.
  return joined === "/" ? "/" : joined.replace(/\/+$/, "");
}
