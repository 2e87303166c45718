import picomatch from "picomatch";
import type { Interest } from "../catalog/cataloger.ts";

/** Who wants a path, and how large a file they accept. */
export interface Want<T> {
  owner: T;
  maxBytes: number | undefined;
}

type Matcher = (path: string) => boolean;

interface GlobWant<T> {
  want: Want<T>;
  matches: Matcher;
}

/**
 * All interests compiled once into lookups that are cheap per tar entry: exact paths in a map,
 * globs bucketed by their literal basename or extension so most entries test no glob at all.
 */
export class InterestMatcher<T> {
  private readonly exact = new Map<string, Want<T>[]>();
  private readonly byBasename = new Map<string, GlobWant<T>[]>();
  private readonly byExtension = new Map<string, GlobWant<T>[]>();
  private readonly anyName: GlobWant<T>[] = [];
  /** Interests in executables (ELF, PE, Mach-O), checked by mode bits and magic bytes, not by path. */
  readonly executables: Want<T>[] = [];

  constructor(interests: Iterable<{ owner: T; interest: Interest }>) {
    for (const { owner, interest } of interests) {
      const want = { owner, maxBytes: interest.maxBytes };
      for (const path of interest.paths ?? []) push(this.exact, path, want);
      for (const glob of interest.globs ?? []) this.addGlob(glob, want);
      if (interest.executables === true) this.executables.push(want);
    }
  }

  private addGlob(glob: string, want: Want<T>): void {
    // picomatch's "/**/" needs at least one directory after a leading "/", so match relative paths.
    const relative = picomatch(glob.replace(/^\/+/, ""), { dot: true });
    const entry = { want, matches: (path: string) => relative(path.slice(1)) };
    const last = glob.slice(glob.lastIndexOf("/") + 1);
    if (!hasGlobSyntax(last)) {
      push(this.byBasename, last, entry);
    } else if (/^\*\.[^*?[\]{}()!+@]+$/.test(last)) {
      push(this.byExtension, last.slice(1), entry);
    } else {
      this.anyName.push(entry);
    }
  }

  /** Every interest that wants this absolute path (empty when none). Called for every entry of every layer. */
  match(path: string): Want<T>[] {
    const exact = this.exact.get(path);
    const found: Want<T>[] = exact ? [...exact] : [];
    const basename = path.slice(path.lastIndexOf("/") + 1);
    addMatches(found, this.byBasename.get(basename), path);
    for (let dot = basename.indexOf("."); dot >= 0; dot = basename.indexOf(".", dot + 1)) {
      addMatches(found, this.byExtension.get(basename.slice(dot)), path);
    }
    addMatches(found, this.anyName, path);
    return found;
  }
}

function addMatches<T>(found: Want<T>[], candidates: readonly GlobWant<T>[] | undefined, path: string): void {
  for (const candidate of candidates ?? []) {
    if (candidate.matches(path) && !found.includes(candidate.want)) found.push(candidate.want);
  }
}

function hasGlobSyntax(segment: string): boolean {
  return /[*?[\]{}()!+@]/.test(segment);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
