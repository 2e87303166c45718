import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";
import { sidecarNames } from "./sidecars.ts";

/** Metadata directories, in the spellings installers use ("x-1.0.dist-info", "EGG-INFO" inside an unzipped egg). */
const metadataDirs = ["*dist-info", "*DIST-INFO", "*egg-info", "*EGG-INFO"];

export const pythonInstalled = defineCataloger({
  name: "python-installed",
  ecosystem: "pypi",
  version: 1,
  wants: {
    globs: [
      "/**/*dist-info/METADATA",
      "/**/*DIST-INFO/METADATA",
      "/**/*egg-info/PKG-INFO",
      "/**/*EGG-INFO/PKG-INFO",
      "/**/*egg-info/METADATA",
      // The regular-file form of egg-info (distutils, Debian's python3-* packages).
      "/**/*.egg-info",
    ],
    maxBytes: 16 * 1024 * 1024,
    context: {
      globs: metadataDirs.flatMap((dir) => sidecarNames.map((name) => `/**/${dir}/${name}`)),
      maxBytes: 1024 * 1024,
    },
  },
  parse: parsedWith(
    () => import("./parse-installed.ts"),
    (parser, file, ctx) => parser.parseInstalled(file.path, file.content, (path) => ctx.view.get(path)?.content),
  ),
});

export const pythonArchive = defineCataloger({
  name: "python-archive",
  ecosystem: "pypi",
  version: 1,
  wants: { globs: ["/**/*.egg", "/**/*.whl"], maxBytes: 128 * 1024 * 1024 },
  eager: true,
  parse: parsedWith(
    () => import("./parse-archive.ts"),
    (parser, file) => (file.path.endsWith(".whl") ? parser.parseWheel(file.content) : parser.parseEgg(file.content)),
  ),
});
