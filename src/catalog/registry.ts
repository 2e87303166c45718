import { apkInstalled } from "../catalogers/apk/index.ts";
import { dpkgStatus } from "../catalogers/dpkg/index.ts";
import { npmPackageJson } from "../catalogers/node/index.ts";
import type { Cataloger } from "./cataloger.ts";

/** Every cataloger Strata runs: one line each. */
// biome-ignore format: one cataloger per line
export const catalogers: readonly Cataloger[] = [
  dpkgStatus,
  apkInstalled,
  npmPackageJson,
];
