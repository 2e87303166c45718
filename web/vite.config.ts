import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/** This folder, whatever the working directory: `npm run build:web` passes this file with --config. */
const root = decodeURIComponent(new URL(".", import.meta.url).pathname);

export default defineConfig({
  root,
  base: "/",
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
