import { defineCataloger } from "../../catalog/cataloger.ts";
import { parseGemspec } from "./parse-gemspec.ts";

export const rubyGemspec = defineCataloger({
  name: "ruby-gemspec",
  ecosystem: "gem",
  version: 1,
  wants: {
    // Installed gems, default gems (specifications/default/) included; a project's own *.gemspec is not read.
    globs: ["/**/specifications/**/*.gemspec"],
    maxBytes: 1024 * 1024,
  },
  parse: (file) => parseGemspec(file.content),
});
