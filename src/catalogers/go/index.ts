import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

export const goBinary = defineCataloger({
  name: "go-binary",
  ecosystem: "golang",
  version: 1,
  // Every ELF, PE and Mach-O executable; those without Go build info cost a header read and one
  // search of their first data section, and give nothing.
  wants: { executables: true, elfSections: [".go.buildinfo"], maxBytes: 512 * 1024 * 1024 },
  eager: true,
  parse: parsedWith(
    () => import("./parse-go-binary.ts"),
    (parser, file) => parser.parseGoBinary(file.content),
  ),
});
