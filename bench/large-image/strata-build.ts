/**
 * Strata as it ships: compiled by tsc (tsconfig.build.json) into the bench's scratch folder, so that no
 * measured run pays for compiling TypeScript on start-up, and no dist/ is left in the checkout.
 */
import { execFile } from "node:child_process";
import { copyFile, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** The compiled CLI's entry point, or undefined when tsc emitted none. */
export async function buildStrata(scratch: string): Promise<string | undefined> {
  const out = join(scratch, "build");
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  // Type errors elsewhere in a work-in-progress tree still leave JavaScript behind; only its absence counts.
  await new Promise<void>((resolve) => {
    execFile(
      process.execPath,
      [tsc, "-p", join(repo, "tsconfig.build.json"), "--outDir", join(out, "dist"), "--sourceMap", "false"],
      { maxBuffer: 16 << 20 },
      () => {
        resolve();
      },
    );
  });
  const main = join(out, "dist", "src", "cli", "main.js");
  if (!(await stat(main).catch(() => undefined))) return undefined;
  // Module type and package resolution as in the checkout.
  await copyFile(join(repo, "package.json"), join(out, "package.json"));
  await symlink(join(repo, "node_modules"), join(out, "node_modules"));
  return main;
}
