import { defineCataloger, parsedWith } from "../../catalog/cataloger.ts";

export const cargoLock = defineCataloger({
  name: "cargo-lock",
  ecosystem: "cargo",
  version: 1,
  wants: { globs: ["/**/Cargo.lock"], maxBytes: 16 * 1024 * 1024 },
  parse: parsedWith(
    () => import("./parse-cargo-lock.ts"),
    (parser, file) => parser.parseCargoLock(file.content),
  ),
});

export const cargoAuditable = defineCataloger({
  name: "cargo-auditable-binary",
  ecosystem: "cargo",
  version: 1,
  // Binaries are parsed as they leave the layer stream; only their section table is read unless
  // they carry cargo-auditable's .dep-v0 section.
  eager: true,
  wants: { executables: true, elfSections: [".dep-v0"], maxBytes: 512 * 1024 * 1024 },
  parse: parsedWith(
    () => import("./parse-cargo-auditable.ts"),
    (parser, file) => parser.parseCargoAuditable(file.content),
  ),
});
