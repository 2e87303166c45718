import { defineCataloger } from "../../catalog/cataloger.ts";
import { parsePackageJson } from "./parse-package-json.ts";

export const npmPackageJson = defineCataloger({
  name: "npm-package-json",
  ecosystem: "npm",
  version: 1,
  wants: {
    // Installed packages only: the manifest directly inside node_modules/<name> or node_modules/@scope/<name>.
    globs: [
      "/node_modules/*/package.json",
      "/node_modules/@*/*/package.json",
      "/**/node_modules/*/package.json",
      "/**/node_modules/@*/*/package.json",
    ],
    maxBytes: 4 * 1024 * 1024,
  },
  parse: (file) => parsePackageJson(file.content),
});
