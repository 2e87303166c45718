import type { VersionScheme } from "./scheme.ts";

/**
 * A map that forgets everything when it fills: the versions of one scan fit many times over.
 * Values are never null, so that one lookup tells both whether and what (null: not known).
 */
function bounded<V>(capacity: number): { get(key: string): V | null; set(key: string, value: V): void } {
  const map = new Map<string, V>();
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => {
      if (map.size >= capacity) map.clear();
      map.set(key, value);
    },
  };
}

/** Stands for undefined among remembered results. */
const none = Symbol("none");

/**
 * Remembers comparisons of a scheme whose library parses both strings on every call (a matcher
 * compares the same few versions against each advisory's bounds over and over). Bounded: the
 * memory is dropped when it fills.
 */
export function memoizedScheme(scheme: VersionScheme, capacity = 100_000): VersionScheme {
  // By first version, then second: no key strings to build on every call.
  let seen = new Map<string, Map<string, number | typeof none>>();
  let size = 0;
  const memoized: VersionScheme = {
    name: scheme.name,
    compare: (a, b) => {
      let row = seen.get(a);
      const known = row?.get(b);
      if (known !== undefined) return known === none ? undefined : known;
      const order = scheme.compare(a, b);
      if (size >= capacity) {
        seen = new Map();
        size = 0;
        row = undefined;
      }
      if (!row) seen.set(a, (row = new Map<string, number | typeof none>()));
      row.set(b, order ?? none);
      size += 1;
      return order;
    },
  };
  const equalityKey = scheme.equalityKey?.bind(scheme);
  if (!equalityKey) return memoized;
  const keys = bounded<string | typeof none>(capacity);
  return {
    ...memoized,
    equalityKey: (version) => {
      const known = keys.get(version);
      if (known !== null) return known === none ? undefined : known;
      const key = equalityKey(version);
      keys.set(version, key ?? none);
      return key;
    },
  };
}

/**
 * A scheme that parses each version once (remembered, bounded) and compares the parsed forms:
 * `compare(a, b)` is `order(parse(a), parse(b))`, or undefined when either does not parse.
 * The parsed forms are shared, so `order` must not change them.
 */
export function parsedScheme<Parsed extends object>(
  name: string,
  parse: (version: string) => Parsed | undefined,
  order: (a: Parsed, b: Parsed) => number,
  capacity = 100_000,
): VersionScheme {
  const parsed = bounded<Parsed | typeof none>(capacity);
  const read = (version: string): Parsed | undefined => {
    let value = parsed.get(version);
    if (value === null) {
      value = parse(version) ?? none;
      parsed.set(version, value);
    }
    return value === none ? undefined : value;
  };
  return {
    name,
    compare: (a, b) => {
      const x = read(a);
      if (x === undefined) return undefined;
      const y = read(b);
      return y === undefined ? undefined : order(x, y);
    },
  };
}
