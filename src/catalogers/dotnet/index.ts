import { defineCataloger } from "../../catalog/cataloger.ts";
import { nuspecGlob, packageFolderLicenses } from "./package-folder.ts";
import { parseDepsJson } from "./parse-deps-json.ts";
import { parsePackagesConfig } from "./parse-packages-config.ts";
import { parsePackagesLock } from "./parse-packages-lock.ts";

/** .nuspec files of NuGet packages folders, read for licenses. */
const nuspecs = { globs: [nuspecGlob], maxBytes: 1024 * 1024 };

export const dotnetDepsJson = defineCataloger({
  name: "dotnet-deps-json",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/*.deps.json"], maxBytes: 32 * 1024 * 1024, context: nuspecs },
  parse: (file, ctx) =>
    parseDepsJson(file.content, {
      fileName: file.path.slice(file.path.lastIndexOf("/") + 1),
      licenses: packageFolderLicenses(ctx.view),
    }),
});

export const nugetPackagesLockJson = defineCataloger({
  name: "nuget-packages-lock-json",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/packages.lock.json"], maxBytes: 32 * 1024 * 1024, context: nuspecs },
  parse: (file, ctx) => parsePackagesLock(file.content, { licenses: packageFolderLicenses(ctx.view) }),
});

export const nugetPackagesConfig = defineCataloger({
  name: "nuget-packages-config",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/packages.config"], maxBytes: 4 * 1024 * 1024, context: nuspecs },
  parse: (file, ctx) => parsePackagesConfig(file.content, { licenses: packageFolderLicenses(ctx.view) }),
});
