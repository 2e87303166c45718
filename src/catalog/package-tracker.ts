import { createHash } from "node:crypto";
import type { LayerRef } from "../model/layer.ts";
import type { Package } from "../model/package.ts";
import type { Cataloger, CollectedFile, PackageDraft } from "./cataloger.ts";

interface Tracked {
  key: string;
  draft: PackageDraft;
  /** First layer of the package's unbroken presence in this file. */
  since: LayerRef;
  file: CollectedFile;
  cataloger: Cataloger;
}

/**
 * Follows what each (cataloger, file) pair reports layer after layer. A package keeps the layer
 * where it first appeared for as long as every later version of the file still reports it, so a
 * package database rewritten by a later layer does not move its older packages to that layer,
 * and a package removed and reinstalled belongs to the layer that reinstalled it.
 */
export class PackageTracker {
  private readonly byFile = new Map<string, Map<string, Tracked>>();

  /** Records what the file now reports (an empty list when the file is gone). */
  update(cataloger: Cataloger, file: CollectedFile, drafts: readonly PackageDraft[], layer: LayerRef): void {
    const fileKey = `${cataloger.name}\0${file.path}`;
    const before = this.byFile.get(fileKey);
    const after = new Map<string, Tracked>();
    for (const draft of drafts) {
      const key = uniqueKey(after, identity(draft));
      const previous = before?.get(key);
      after.set(key, { key, draft, since: previous?.since ?? layer, file, cataloger });
    }
    if (after.size === 0) this.byFile.delete(fileKey);
    else this.byFile.set(fileKey, after);
  }

  remove(cataloger: Cataloger, path: string): void {
    this.byFile.delete(`${cataloger.name}\0${path}`);
  }

  /** Forgets every cataloger's packages from a file that is gone. */
  removePath(path: string): void {
    for (const key of this.byFile.keys()) if (key.endsWith(`\0${path}`)) this.byFile.delete(key);
  }

  packages(): Package[] {
    const out: Package[] = [];
    for (const tracked of this.byFile.values()) {
      for (const { key, draft, since, file, cataloger } of tracked.values()) {
        out.push({
          id: packageId(cataloger.name, file.path, draft.purl, key),
          name: draft.name,
          version: draft.version,
          ecosystem: cataloger.ecosystem,
          purl: draft.purl,
          licenses: draft.licenses,
          foundBy: cataloger.name,
          layer: since,
          locations: [
            { path: file.path, layer: file.layer, ...(draft.inside === undefined ? {} : { inside: draft.inside }) },
          ],
          metadata: draft.metadata,
        });
      }
    }
    return out.sort(comparePackages);
  }
}

function identity(draft: PackageDraft): string {
  const arch = "architecture" in draft.metadata ? (draft.metadata.architecture ?? "") : "";
  return `${draft.name}\0${draft.version}\0${arch}\0${draft.inside ?? ""}`;
}

function uniqueKey(seen: Map<string, unknown>, key: string): string {
  if (!seen.has(key)) return key;
  let n = 2;
  while (seen.has(`${key}\0${n}`)) n += 1;
  return `${key}\0${n}`;
}

function packageId(foundBy: string, path: string, purl: string, key: string): string {
  const hash = createHash("sha256");
  hash.update(`${foundBy}\0${path}\0${purl}\0${key}`);
  return hash.digest("hex").slice(0, 16);
}

function comparePackages(a: Package, b: Package): number {
  return (
    a.layer.index - b.layer.index ||
    compareText(a.ecosystem, b.ecosystem) ||
    compareText(a.name, b.name) ||
    compareText(a.version, b.version) ||
    compareText(a.locations[0]?.path ?? "", b.locations[0]?.path ?? "")
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
