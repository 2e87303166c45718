import { apkInstalled } from "../catalogers/apk/index.ts";
import { dotnetDepsJson, nugetPackagesConfig, nugetPackagesLockJson } from "../catalogers/dotnet/index.ts";
import { dpkgStatus } from "../catalogers/dpkg/index.ts";
import { goBinary } from "../catalogers/go/index.ts";
import { javaArchive } from "../catalogers/java/index.ts";
import { npmPackageJson, npmPackageLock, pnpmLock, yarnLock } from "../catalogers/node/index.ts";
import { composerInstalledJson, composerLock } from "../catalogers/php/index.ts";
import { pythonArchive, pythonInstalled } from "../catalogers/python/index.ts";
import { rpmDb } from "../catalogers/rpm/index.ts";
import { rubyGemspec } from "../catalogers/ruby/index.ts";
import { cargoAuditable, cargoLock } from "../catalogers/rust/index.ts";
import { dpkgFileOwnership } from "../catalogers/dpkg/file-ownership.ts";
import type { Cataloger } from "./cataloger.ts";
import type { FileOwnership } from "./ownership.ts";

/** Every cataloger Strata runs: one line each. */
// biome-ignore format: one cataloger per line
export const catalogers: readonly Cataloger[] = [
  dpkgStatus,
  apkInstalled,
  npmPackageJson,
  npmPackageLock,
  yarnLock,
  pnpmLock,
  pythonInstalled,
  pythonArchive,
  rpmDb,
  cargoLock,
  cargoAuditable,
  dotnetDepsJson,
  nugetPackagesLockJson,
  nugetPackagesConfig,
  goBinary,
  javaArchive,
  composerLock,
  composerInstalledJson,
  rubyGemspec,
];

/** Which files the OS package managers installed. */
export const fileOwnerships: readonly FileOwnership[] = [dpkgFileOwnership];
