import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

export const composerLock = defineCataloger({
  name: "composer-lock",
  ecosystem: "composer",
  version: 1,
  wants: {
    globs: ["/**/composer.lock"],
    maxBytes: 16 * 1024 * 1024,
    // The project's manifest beside each lock tells direct from indirect dependencies.
    context: { globs: ["/**/composer.json"], maxBytes: 1024 * 1024 },
  },
  parse: parsedWith(
    () => import("./parse-composer-lock.ts"),
    (parser, file, ctx) => {
      // A lock inside vendor/ is a library's own development lock, not what this image installed (as Trivy).
      if (file.path.split("/").includes("vendor")) return { packages: [], issues: [] };
      const dir = file.path.slice(0, file.path.lastIndexOf("/"));
      return parser.parseComposerLock(file.content, ctx.view.get(`${dir}/composer.json`)?.content);
    },
  ),
});

export const composerInstalledJson = defineCataloger({
  name: "composer-installed-json",
  ecosystem: "composer",
  version: 1,
  wants: {
    // Composer always writes it to <vendor-dir>/composer/installed.json; the vendor dir's name is configurable.
    globs: ["/**/composer/installed.json"],
    maxBytes: 16 * 1024 * 1024,
  },
  parse: parsedWith(
    () => import("./parse-installed-json.ts"),
    (parser, file) => parser.parseInstalledJson(file.content),
  ),
});
