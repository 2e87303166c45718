import type { FileView } from "../../catalog/cataloger.ts";
import type { FileOwnership } from "../../catalog/ownership.ts";
import type { Package } from "../../model/package.ts";

const infoDir = "/var/lib/dpkg/info";

/** dpkg's per-package file lists: /var/lib/dpkg/info/<name>[:<arch>].list, one installed path a line. */
export const dpkgFileOwnership: FileOwnership = {
  name: "dpkg-file-lists",
  wants: { globs: [`${infoDir}/*.list`], maxBytes: 16 * 1024 * 1024 },
  owners: (view: FileView, packages: readonly Package[]) => {
    const byName = new Map<string, Package>();
    for (const pkg of packages) if (pkg.foundBy === "dpkg-status") byName.set(pkg.name, pkg);
    const owners = new Map<string, Package>();
    for (const file of view.list(infoDir)) {
      if (!file.path.endsWith(".list")) continue;
      const name = file.path.slice(infoDir.length + 1, -".list".length).replace(/:[^:]*$/, "");
      const owner = byName.get(name);
      if (!owner) continue;
      for (const line of file.content.toString("utf8").split("\n")) {
        if (line.startsWith("/") && line !== "/." && !owners.has(line)) owners.set(line, owner);
      }
    }
    return owners;
  },
};
