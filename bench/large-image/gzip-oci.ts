/**
 * The bench image as a registry holds it: an OCI image layout whose layers are gzip-compressed (gzip -6, what
 * docker push and skopeo write). A directory, not an archive: Trivy reads OCI layouts only as directories.
 * Made once from the docker save tarball with GNU tar and gzip, two layers at a time, and kept beside it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface GzipOciLayout {
  dir: string;
  /** Paths of the layer blobs, in order. */
  layers: string[];
  /** Compressed bytes of all layers. */
  compressedBytes: number;
}

const layerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

function shell(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script, "sh", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString("utf8"));
      else reject(new Error(`sh -c '${script}' exited with ${String(code)}`));
    });
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function manifestEntry(manifest: unknown): { config: string; layers: string[] } {
  const first: unknown = Array.isArray(manifest) ? manifest[0] : undefined;
  if (typeof first !== "object" || first === null || !("Config" in first) || !("Layers" in first)) {
    throw new Error("the bench image's manifest.json has no Config or Layers");
  }
  const { Config: config, Layers: layers } = first;
  if (typeof config !== "string" || !Array.isArray(layers)) throw new Error("malformed manifest.json");
  return { config, layers: layers.filter((layer): layer is string => typeof layer === "string") };
}

async function blob(dir: string, content: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash("sha256").update(content).digest("hex");
  await writeFile(join(dir, "blobs", "sha256", hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

export async function ensureGzipOciLayout(work: string, dockerTar: string): Promise<GzipOciLayout> {
  const finished = join(work, "large-image.oci-gzip");
  const facts = join(work, "large-image.oci-gzip.json");
  const kept = await readFile(facts, "utf8").catch(() => undefined);
  if (kept !== undefined && (await stat(finished).catch(() => undefined))) return JSON.parse(kept) as GzipOciLayout;

  const dir = join(work, "oci-gzip.partial");
  await rm(dir, { recursive: true, force: true });
  await rm(finished, { recursive: true, force: true });
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const entry = manifestEntry(JSON.parse(await shell('tar -xOf "$1" manifest.json', dockerTar)));
  const config = Buffer.from(await shell('tar -xOf "$1" "$2"', dockerTar, entry.config));

  const compress = async (path: string, index: number): Promise<{ digest: string; size: number }> => {
    const out = join(dir, `layer-${index}.gz`);
    await shell('tar -xOf "$1" "$2" | gzip -6 -n > "$3"', dockerTar, path, out);
    const hex = await sha256Of(out);
    await rename(out, join(dir, "blobs", "sha256", hex));
    return { digest: `sha256:${hex}`, size: (await stat(join(dir, "blobs", "sha256", hex))).size };
  };
  const layers: { digest: string; size: number }[] = [];
  for (let i = 0; i < entry.layers.length; i += 2) {
    const pair = entry.layers.slice(i, i + 2);
    layers.push(...(await Promise.all(pair.map((path, j) => compress(path, i + j)))));
  }

  const configBlob = await blob(dir, config);
  const manifest = await blob(
    dir,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
        layers: layers.map((layer) => ({ mediaType: layerMediaType, ...layer })),
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        ...manifest,
        annotations: { "org.opencontainers.image.ref.name": "bench" },
      },
    ],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await rename(dir, finished);

  const made: GzipOciLayout = {
    dir: finished,
    layers: layers.map((layer) => join(finished, "blobs", "sha256", layer.digest.slice("sha256:".length))),
    compressedBytes: layers.reduce((sum, layer) => sum + layer.size, 0),
  };
  await writeFile(facts, `${JSON.stringify(made, null, 2)}\n`);
  return made;
}
