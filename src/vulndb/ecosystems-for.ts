import { queryFor } from "../match/package-query.ts";
import type { Inventory } from "../model/inventory.ts";

/**
 * The OSV ecosystems whose advisories the matcher would look at for this inventory: Debian or
 * Ubuntu for dpkg packages (by the distro), Alpine for apk, AlmaLinux, Rocky Linux or openSUSE for
 * rpm, the registry's ecosystem for language packages. Packages the matcher cannot look up (rpm on
 * other distros, dpkg without a release) add none.
 */
export function ecosystemsFor(inventory: Pick<Inventory, "packages" | "distro">): string[] {
  const names = new Set<string>();
  for (const pkg of inventory.packages) {
    const query = queryFor(pkg, inventory.distro);
    if (query) names.add(query.baseEcosystem);
  }
  return [...names].sort();
}
