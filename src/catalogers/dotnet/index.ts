import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

/**
 * The .nuspec files of NuGet packages folders (`~/.nuget/packages/<id>/<version>/<id>.nuspec`, NuGet's
 * "global packages folder"), wherever they are in the image, read for licenses.
 */
const nuspecs = { globs: ["/**/.nuget/packages/*/*/*.nuspec"], maxBytes: 1024 * 1024 };

const packageFolder = () => import("./package-folder.ts");

export const dotnetDepsJson = defineCataloger({
  name: "dotnet-deps-json",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/*.deps.json"], maxBytes: 32 * 1024 * 1024, context: nuspecs },
  parse: parsedWith(
    async () => ({ ...(await import("./parse-deps-json.ts")), ...(await packageFolder()) }),
    (parser, file, ctx) =>
      parser.parseDepsJson(file.content, {
        fileName: file.path.slice(file.path.lastIndexOf("/") + 1),
        licenses: parser.packageFolderLicenses(ctx.view),
      }),
  ),
});

export const nugetPackagesLockJson = defineCataloger({
  name: "nuget-packages-lock-json",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/packages.lock.json"], maxBytes: 32 * 1024 * 1024, context: nuspecs },
  parse: parsedWith(
    async () => ({ ...(await import("./parse-packages-lock.ts")), ...(await packageFolder()) }),
    (parser, file, ctx) => parser.parsePackagesLock(file.content, { licenses: parser.packageFolderLicenses(ctx.view) }),
  ),
});

export const nugetPackagesConfig = defineCataloger({
  name: "nuget-packages-config",
  ecosystem: "nuget",
  version: 1,
  wants: { globs: ["/**/packages.config"], maxBytes: 4 * 1024 * 1024, context: nuspecs },
  parse: parsedWith(
    async () => ({ ...(await import("./parse-packages-config.ts")), ...(await packageFolder()) }),
    (parser, file, ctx) =>
      parser.parsePackagesConfig(file.content, { licenses: parser.packageFolderLicenses(ctx.view) }),
  ),
});
