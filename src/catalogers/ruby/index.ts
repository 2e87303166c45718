import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

export const rubyGemspec = defineCataloger({
  name: "ruby-gemspec",
  ecosystem: "gem",
  version: 1,
  wants: {
    // Installed gems, default gems (specifications/default/) included; a project's own *.gemspec is not read.
    globs: ["/**/specifications/**/*.gemspec"],
    maxBytes: 1024 * 1024,
  },
  parse: parsedWith(
    () => import("./parse-gemspec.ts"),
    (parser, file) => parser.parseGemspec(file.content),
  ),
});
