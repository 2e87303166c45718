/** Strata's own version, reported in inventories; keep equal to package.json. */
export const strataVersion = "0.1.0";
