/** The large benchmark image: built once by build.sh under the bench work folder, then reused. */
import { execFile, spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface LargeImage {
  tar: string;
  /** Seconds the build took, now or on the run that built it; NaN when unknown. */
  buildSeconds: number;
  builtNow: boolean;
}

export interface LayerFacts {
  path: string;
  bytes: number;
  files: number;
  jars: number;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${String(code)}`));
    });
  });
}

function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 256 << 20 }, (error, out) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed`, { cause: error }));
      else resolve(out);
    });
  });
}

export async function ensureLargeImage(work: string): Promise<LargeImage> {
  const tar = join(work, "large-image.tar");
  const timing = join(work, "build-seconds");
  if (await exists(tar)) {
    const recorded = Number((await readFile(timing, "utf8").catch(() => "")).trim() || Number.NaN);
    return { tar, buildSeconds: recorded, builtNow: false };
  }
  const script = fileURLToPath(new URL("build.sh", import.meta.url));
  const started = performance.now();
  await run("bash", [script, join(work, "rootfs"), tar]);
  const buildSeconds = (performance.now() - started) / 1000;
  await writeFile(timing, `${buildSeconds.toFixed(1)}\n`);
  return { tar, buildSeconds, builtNow: true };
}

function layerPaths(manifest: unknown): string[] {
  const first: unknown = Array.isArray(manifest) ? manifest[0] : undefined;
  if (typeof first !== "object" || first === null || !("Layers" in first) || !Array.isArray(first.Layers)) {
    throw new Error("the bench image's manifest.json has no Layers");
  }
  return first.Layers.filter((layer): layer is string => typeof layer === "string");
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function isLayerFactsList(value: unknown): value is LayerFacts[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item: unknown) =>
        isRecord(item) &&
        typeof item["path"] === "string" &&
        typeof item["bytes"] === "number" &&
        typeof item["files"] === "number" &&
        typeof item["jars"] === "number",
    )
  );
}

/** Size, file count and jar count of every layer; counted once and kept beside the image. */
export async function layerFacts(work: string, tar: string): Promise<LayerFacts[]> {
  const cached = join(work, "layer-facts.json");
  const kept: unknown = JSON.parse(await readFile(cached, "utf8").catch(() => "null"));
  if (isLayerFactsList(kept)) return kept;
  const paths = layerPaths(JSON.parse(await output("tar", ["-xOf", tar, "manifest.json"])));
  const sizes = new Map<string, number>();
  for (const line of (await output("tar", ["-tvf", tar])).split("\n")) {
    const fields = line.trim().split(/\s+/);
    const name = fields.at(-1);
    if (name !== undefined && fields.length >= 6) sizes.set(name, Number(fields[2]));
  }
  const facts: LayerFacts[] = [];
  for (const path of paths) {
    const names = await output("sh", ["-c", 'tar -xOf "$1" "$2" | tar -tf -', "sh", tar, path]);
    const entries = names.split("\n").filter((name) => name !== "" && !name.endsWith("/"));
    facts.push({
      path,
      bytes: sizes.get(path) ?? Number.NaN,
      files: entries.length,
      jars: entries.filter((name) => name.endsWith(".jar")).length,
    });
  }
  await writeFile(cached, `${JSON.stringify(facts, null, 2)}\n`);
  return facts;
}
