/** An ecosystem's version ordering. `compare` is negative, zero or positive, like a sort comparator. */
export interface VersionScheme {
  readonly name: string;
  /** Undefined when either version cannot be read under this scheme (never guess an order). */
  compare(a: string, b: string): number | undefined;
  /**
   * A coarse key that equal versions share: compare(a, b) === 0 implies equalityKey(a) ===
   * equalityKey(b). Undefined for a version compare cannot read. Lets long version lists be
   * searched by key instead of compared one by one.
   */
  equalityKey?(version: string): string | undefined;
}
