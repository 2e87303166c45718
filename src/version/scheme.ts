/** An ecosystem's version ordering. `compare` is negative, zero or positive, like a sort comparator. */
export interface VersionScheme {
  readonly name: string;
  /** Undefined when either version cannot be read under this scheme (never guess an order). */
  compare(a: string, b: string): number | undefined;
}
