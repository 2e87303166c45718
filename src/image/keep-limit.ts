import type { Want } from "./interest.ts";

/** The largest file any of the interested catalogers accepts. */
export function keepLimit<T>(wants: readonly Want<T>[], defaultMax: number): number {
  let limit = 0;
  for (const want of wants) limit = Math.max(limit, want.maxBytes ?? defaultMax);
  return limit;
}
