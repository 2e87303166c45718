import type { Package } from "../model/package.ts";
import type { FileView, Interest } from "./cataloger.ts";

/**
 * Knows which files an OS package manager installed, so language packages it installed
 * (Debian's python3-*, ruby-*, node-*) are marked as owned by the OS package rather than
 * reported twice as if installed by hand, or dropped.
 */
export interface FileOwnership {
  readonly name: string;
  readonly wants: Interest;
  /** Path → the OS package that installed it, as the image stands at the end. */
  owners(view: FileView, packages: readonly Package[]): Map<string, Package>;
}

/**
 * Marks every package whose own file an OS package installed. Only exact paths count: package
 * managers list shared directories too, and a directory says nothing about who put a file in it.
 */
export function markOwnedPackages(packages: Package[], owners: ReadonlyMap<string, Package>): void {
  if (owners.size === 0) return;
  for (const pkg of packages) {
    const path = pkg.locations[0]?.path;
    if (path === undefined) continue;
    const owner = owners.get(path);
    if (owner && owner.id !== pkg.id) pkg.ownedBy = { id: owner.id, name: owner.name, purl: owner.purl };
  }
}
