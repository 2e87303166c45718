import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";
import { javaArchiveExtensions } from "./archive-extensions.ts";

export const javaArchive = defineCataloger({
  name: "java-archive",
  ecosystem: "maven",
  version: 1,
  wants: {
    // Syft's list of Java archive kinds; both spellings of the extension's case.
    globs: javaArchiveExtensions.flatMap((extension) => [`/**/*.${extension}`, `/**/*.${extension.toUpperCase()}`]),
    maxBytes: 512 * 1024 * 1024,
  },
  // Archives can be large: parsed as they leave the layer stream, never kept.
  eager: true,
  parse: parsedWith(
    () => import("./parse-java-archive.ts"),
    (parser, file) => parser.parseJavaArchive(file.content, file.path.slice(file.path.lastIndexOf("/") + 1)),
  ),
});
