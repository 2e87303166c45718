#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
if (existsSync(built)) {
  await import(built);
} else {
  // Running from a source checkout without a build: load TypeScript through tsx.
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
