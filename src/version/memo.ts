import type { VersionScheme } from "./scheme.ts";

/**
 * Remembers comparisons of a scheme whose library parses both strings on every call (a matcher
 * compares the same few versions against each advisory's bounds over and over). Bounded: the
 * memory is dropped when it fills.
 */
export function memoizedScheme(scheme: VersionScheme, capacity = 100_000): VersionScheme {
  const seen = new Map<string, number | undefined>();
  return {
    name: scheme.name,
    compare: (a, b) => {
      const key = `${a}\0${b}`;
      if (seen.has(key)) return seen.get(key);
      const order = scheme.compare(a, b);
      if (seen.size >= capacity) seen.clear();
      seen.set(key, order);
      return order;
    },
  };
}
