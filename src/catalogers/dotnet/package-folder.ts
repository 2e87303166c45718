import type { FileView } from "../../catalog/cataloger.ts";
import { normalizedVersion, nuspecLicenses } from "./nuspec.ts";
import type { LicenseLookup } from "./package-draft.ts";

const nuspecPath = /\/\.nuget\/packages\/([^/]+)\/([^/]+)\/([^/]+)\.nuspec$/;

/**
 * Licenses from the .nuspec files collected into the view. Folder names are lower case; the first
 * folder in path order wins when several hold the same package. The view is listed once, on the
 * first lookup.
 */
export function packageFolderLicenses(view: FileView): LicenseLookup {
  let index: Map<string, Buffer> | undefined;
  const found = new Map<string, string[]>();
  return (name, version) => {
    index ??= nuspecIndex(view);
    if (index.size === 0) return [];
    const id = name.toLowerCase();
    for (const candidate of new Set([version.toLowerCase(), normalizedVersion(version)])) {
      const key = `${id}/${candidate}`;
      const content = index.get(key);
      if (content === undefined) continue;
      let licenses = found.get(key);
      if (licenses === undefined) {
        licenses = nuspecLicenses(content);
        found.set(key, licenses);
      }
      return licenses;
    }
    return [];
  };
}

function nuspecIndex(view: FileView): Map<string, Buffer> {
  const nuspecs: { path: string; key: string; content: Buffer }[] = [];
  for (const file of view.list("/")) {
    const [, id, version, base] = nuspecPath.exec(file.path) ?? [];
    if (id === undefined || version === undefined || base?.toLowerCase() !== id.toLowerCase()) continue;
    nuspecs.push({ path: file.path, key: `${id.toLowerCase()}/${version.toLowerCase()}`, content: file.content });
  }
  nuspecs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const index = new Map<string, Buffer>();
  for (const { key, content } of nuspecs) if (!index.has(key)) index.set(key, content);
  return index;
}
