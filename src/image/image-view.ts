import type { CollectedFile, FileView } from "../catalog/cataloger.ts";
import type { LayerRef } from "../model/layer.ts";
import type { LayerChanges } from "./layer-changes.ts";
import { resolveLinkTarget } from "./paths.ts";

interface Symlink {
  target: string;
  layer: LayerRef;
}

/**
 * The squashed state of the collected files and of every symlink, layer after layer
 * (OCI image spec "Applying Changesets": whiteouts and opaque dirs hide lower layers only).
 */
export class ImageView implements FileView {
  private readonly files = new Map<string, CollectedFile>();
  private readonly symlinks = new Map<string, Symlink>();
  private readonly maxHops: number;

  constructor(maxSymlinkHops: number) {
    this.maxHops = maxSymlinkHops;
  }

  /** Applies one layer; returns the collected paths it added, replaced or removed. */
  apply(layer: LayerRef, changes: LayerChanges): Set<string> {
    const changed = new Set<string>();
    // Nothing below to hide (the first layer, usually the largest).
    if (this.files.size > 0 || this.symlinks.size > 0) this.hideLower(changes, changed);
    for (const [path, target] of changes.symlinks) this.symlinks.set(path, { target, layer });
    for (const [path, content] of changes.files) {
      this.files.set(path, { path, layer, content });
      changed.add(path);
    }
    return changed;
  }

  /** Removes what this layer's entries, whiteouts and opaque directories hide of the lower layers. */
  private hideLower(changes: LayerChanges, changed: Set<string>): void {
    const hidden = new Set<string>([
      ...changes.removed,
      ...changes.dropped,
      ...changes.symlinks.keys(),
      ...changes.files.keys(),
    ]);
    const opaque = new Set(changes.opaqueDirs);
    if (hidden.size > 0 || opaque.size > 0) {
      const isHidden = (path: string): boolean => {
        if (hidden.has(path) || opaque.has("/")) return true;
        for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
          const dir = path.slice(0, i);
          if (hidden.has(dir) || opaque.has(dir)) return true;
        }
        return false;
      };
      // A lower file where this layer has a directory was replaced by it. A lower symlink is replaced
      // only by a directory entry of its own ("dir/" in `dropped`): a layer that merely has paths below
      // it was written through the symlink.
      const directories = directoriesOf(changes);
      const entries = new Set(changes.dropped.filter((path) => path.endsWith("/")).map((path) => path.slice(0, -1)));
      for (const path of this.files.keys()) {
        if (isHidden(path) || directories.has(path)) {
          this.files.delete(path);
          changed.add(path);
        }
      }
      for (const path of this.symlinks.keys()) {
        if (isHidden(path) || entries.has(path)) this.symlinks.delete(path);
      }
    }
  }

  /** The collected file stored at exactly this path (no symlink resolution). */
  file(path: string): CollectedFile | undefined {
    return this.files.get(path);
  }

  get(path: string): CollectedFile | undefined {
    const direct = this.files.get(path);
    if (direct) return direct;
    const real = this.resolve(path);
    return real === undefined ? undefined : this.files.get(real);
  }

  list(dir: string): CollectedFile[] {
    const real = this.resolve(dir) ?? dir;
    const prefix = real === "/" ? "/" : `${real}/`;
    const found: CollectedFile[] = [];
    for (const [path, file] of this.files) if (path.startsWith(prefix)) found.push(file);
    return found;
  }

  /** Every collected file, in path order. */
  all(): CollectedFile[] {
    return [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Follows symlinks in every component of `path`, staying inside the image (absolute targets
   * are relative to the image root). Undefined for loops or more than `maxHops` links.
   */
  resolve(path: string): string | undefined {
    let hops = 0;
    let pending = path.split("/").filter((part) => part !== "");
    let resolved = "";
    while (pending.length > 0) {
      const [part, ...rest] = pending;
      pending = rest;
      if (part === undefined || part === ".") continue;
      if (part === "..") {
        resolved = resolved.slice(0, resolved.lastIndexOf("/"));
        continue;
      }
      const candidate = `${resolved}/${part}`;
      const link = this.symlinks.get(candidate);
      if (!link) {
        resolved = candidate;
        continue;
      }
      hops += 1;
      if (hops > this.maxHops) return undefined;
      const target = resolveLinkTarget(candidate, link.target);
      pending = [...target.split("/").filter((p) => p !== ""), ...pending];
      resolved = "";
    }
    return resolved === "" ? "/" : resolved;
  }
}

/** Every directory the paths of a layer lie in (and its opaque directories). */
function directoriesOf(changes: LayerChanges): Set<string> {
  const directories = new Set<string>(changes.opaqueDirs);
  const addParents = (path: string): void => {
    for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
      const dir = path.slice(0, i);
      // Its own parents were added with it.
      if (directories.has(dir)) return;
      directories.add(dir);
    }
  };
  for (const paths of [changes.files.keys(), changes.symlinks.keys(), changes.dropped, changes.removed]) {
    for (const path of paths) addParents(path);
  }
  for (const dir of changes.opaqueDirs) addParents(dir);
  return directories;
}
