import type { Cataloger } from "./cataloger.ts";

/** Every cataloger Strata runs: one line each. */
export const catalogers: readonly Cataloger[] = [];
