import { defineCataloger, type ParseResult, parsedWith } from "../../catalog/cataloger.ts";

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
  parse: parsedWith(
    () => import("./parse-package-json.ts"),
    (parser, file) => parser.parsePackageJson(file.content),
  ),
});

/** Lock files of large monorepos reach a few tens of MiB; larger ones are skipped with an issue. */
const lockMaxBytes = 32 * 1024 * 1024;
const hiddenLockfile = "/node_modules/.package-lock.json";
const nothing = (): ParseResult => ({ packages: [], issues: [] });

/**
 * Whether the file sits inside an installed package (below a node_modules folder): a dependency's
 * own lock file describes how its authors developed it, and npm and yarn ignore it. npm's hidden
 * lockfile is the one lock file that belongs in node_modules (directly, not nested).
 */
export function insideNodeModules(path: string): boolean {
  const hidden = path.endsWith(hiddenLockfile);
  return path
    .split("/")
    .slice(0, hidden ? -2 : -1)
    .includes("node_modules");
}

export const npmPackageLock = defineCataloger({
  name: "npm-package-lock",
  ecosystem: "npm",
  version: 1,
  wants: {
    globs: ["/**/package-lock.json", "/**/npm-shrinkwrap.json", `/**${hiddenLockfile}`],
    maxBytes: lockMaxBytes,
  },
  parse: parsedWith(
    () => import("./parse-package-lock.ts"),
    (parser, file) => (insideNodeModules(file.path) ? nothing() : parser.parsePackageLock(file.content)),
  ),
});

export const yarnLock = defineCataloger({
  name: "yarn-lock",
  ecosystem: "npm",
  version: 1,
  wants: {
    globs: ["/**/yarn.lock"],
    maxBytes: lockMaxBytes,
    // The project's package.json (and its workspaces') beside the lock tell dev from production.
    context: { globs: ["/**/package.json"], maxBytes: 1024 * 1024 },
  },
  parse: parsedWith(
    async () => ({ ...(await import("./parse-yarn-lock.ts")), ...(await import("./project-manifests.ts")) }),
    (parser, file, ctx) => {
      if (insideNodeModules(file.path)) return nothing();
      const dir = file.path.slice(0, file.path.lastIndexOf("/"));
      return parser.parseYarnLock(file.content, parser.projectManifests(ctx.view, dir));
    },
  ),
});

export const pnpmLock = defineCataloger({
  name: "pnpm-lock",
  ecosystem: "npm",
  version: 1,
  wants: { globs: ["/**/pnpm-lock.yaml"], maxBytes: lockMaxBytes },
  parse: parsedWith(
    () => import("./parse-pnpm-lock.ts"),
    (parser, file) => (insideNodeModules(file.path) ? nothing() : parser.parsePnpmLock(file.content)),
  ),
});
