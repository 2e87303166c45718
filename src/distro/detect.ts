import type { FileView, Interest } from "../catalog/cataloger.ts";
import type { Distro } from "../model/distro.ts";
import { parseOsRelease } from "./os-release.ts";

const osReleasePaths = ["/etc/os-release", "/usr/lib/os-release"];

export const distroInterest: Interest = {
  paths: [...osReleasePaths, "/etc/alpine-release", "/etc/debian_version"],
  maxBytes: 64 * 1024,
};

/** The image's distro from os-release, falling back to distro-specific release files. */
export function detectDistro(view: FileView): Distro | undefined {
  for (const path of osReleasePaths) {
    const file = view.get(path);
    if (!file) continue;
    const distro = parseOsRelease(file.content.toString("utf8"));
    if (distro) return distro;
  }
  const alpine = view.get("/etc/alpine-release")?.content.toString("utf8").trim();
  if (alpine) return { id: "alpine", versionId: alpine, idLike: [] };
  const debian = view.get("/etc/debian_version")?.content.toString("utf8").trim();
  if (debian) {
    const major = /^(\d+)/.exec(debian)?.[1];
    return major ? { id: "debian", versionId: major, idLike: [] } : { id: "debian", idLike: [] };
  }
  return undefined;
}
