import { fileURLToPath } from "node:url";
import { build } from "vite";

const config = fileURLToPath(new URL("../../web/vite.config.ts", import.meta.url));

/** Builds the web UI from its sources into `outDir`, so that a test never runs against a stale web/dist. */
export async function buildUi(outDir: string): Promise<void> {
  await build({ configFile: config, logLevel: "error", build: { outDir, emptyOutDir: true } });
}
