import { apkInstalled } from "../catalogers/apk/index.ts";
import { dpkgStatus } from "../catalogers/dpkg/index.ts";
import { npmPackageJson } from "../catalogers/node/index.ts";
import { dpkgFileOwnership } from "../catalogers/dpkg/file-ownership.ts";
import type { Cataloger } from "./cataloger.ts";
import type { FileOwnership } from "./ownership.ts";

/** Every cataloger Strata runs: one line each. */
// biome-ignore format: one cataloger per line
export const catalogers: readonly Cataloger[] = [
  dpkgStatus,
  apkInstalled,
  npmPackageJson,
];

/** Which files the OS package managers installed. */
export const fileOwnerships: readonly FileOwnership[] = [dpkgFileOwnership];
