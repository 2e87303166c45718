import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type TestImage, writeDockerArchive, writeOciLayout } from "../image-builder/index.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let work = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function strata(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args, ...(args[0] === "scan" ? ["--offline"] : [])],
      { cwd: repo, maxBuffer: 64 << 20, env: { ...process.env, XDG_CACHE_HOME: join(work, "cache") } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const status = (...names: string[]) =>
  names
    .map((name) => `Package: ${name}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n`)
    .join("\n");

const image: TestImage = {
  repoTags: ["cli/test:1"],
  layers: [
    {
      createdBy: "base",
      files: { "etc/os-release": "ID=debian\nVERSION_ID=12\n", "var/lib/dpkg/status": status("base-a", "base-b") },
    },
    { createdBy: "install tool", files: { "var/lib/dpkg/status": status("base-a", "base-b", "tool") } },
    {
      createdBy: "add app",
      files: {
        "app/node_modules/left-pad/package.json": JSON.stringify({
          name: "left-pad",
          version: "1.3.0",
          license: "WTFPL",
        }),
      },
    },
  ],
};

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-cli-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("scan prints layers then packages with their layer", async () => {
  const file = join(work, "image.tar");
  await writeDockerArchive(image, file);
  const run = await strata("scan", file, "--no-vulns");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /LAYERS \(3\)[\s\S]*install tool[\s\S]*PACKAGES \(4\)/);
  assert.match(run.stdout, /^tool\s+1\.0-1\s+deb\s+1\s+\/var\/lib\/dpkg\/status$/m);
  assert.match(run.stdout, /^left-pad\s+1\.3\.0\s+npm\s+2\s+\/app\/node_modules\/left-pad\/package\.json$/m);
  assert.equal(run.stderr, "", "no progress output when stderr is not a terminal");
});

test("--format json writes a stable inventory", async () => {
  const dir = join(work, "layout");
  await writeOciLayout(image, dir);
  const out = join(work, "inventory.json");
  const run = await strata("scan", `oci:${dir}`, "--format", "json", "--output", out);
  assert.equal(run.code, 0, run.stderr);
  const inventory = JSON.parse(await readFile(out, "utf8")) as {
    schemaVersion: number;
    layers: { createdBy: string }[];
    packages: { name: string; purl: string; layer: { index: number } }[];
  };
  assert.equal(inventory.schemaVersion, 1);
  assert.deepEqual(
    inventory.layers.map((layer) => layer.createdBy),
    ["base", "install tool", "add app"],
  );
  assert.deepEqual(
    inventory.packages.map((pkg) => [pkg.purl, pkg.layer.index]),
    [
      ["pkg:deb/debian/base-a@1.0-1?arch=amd64&distro=debian-12", 0],
      ["pkg:deb/debian/base-b@1.0-1?arch=amd64&distro=debian-12", 0],
      ["pkg:deb/debian/tool@1.0-1?arch=amd64&distro=debian-12", 1],
      ["pkg:npm/left-pad@1.3.0", 2],
    ],
  );
});

test("an unknown image reference is a clear error with exit code 2 and no stack trace", async () => {
  const run = await strata("scan", join(work, "no-such-image.tar"));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^strata: .*no-such-image\.tar/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test("an unknown format is a usage error", async () => {
  const run = await strata("scan", work, "--format", "yaml");
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown format "yaml"/);
});

test("a truncated tarball reports the layers it could read and exits 3", async () => {
  const file = join(work, "truncated.tar");
  const bigLastLayer: TestImage = {
    ...image,
    layers: image.layers.map((layer, index) =>
      index === 2 ? { ...layer, files: { ...layer.files, "app/filler.bin": Buffer.alloc(200_000, 7) } } : layer,
    ),
  };
  await writeDockerArchive(bigLastLayer, file, { entryOrder: "metadata-first" });
  const { size } = await stat(file);
  await truncate(file, Math.floor(size * 0.7));
  const run = await strata("scan", file);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stdout, /^tool\s+1\.0-1\s+deb\s+1/m, "the layers before the damage are still reported");
  assert.match(run.stderr, /layer 2/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test("a corrupt gzip layer is skipped with a message; the other layers are reported", async () => {
  const dir = join(work, "corrupt-layout");
  await writeOciLayout(image, dir);
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  const manifestDigest = index.manifests[0]?.digest.replace("sha256:", "") ?? "";
  const manifest = JSON.parse(await readFile(join(dir, "blobs/sha256", manifestDigest), "utf8")) as {
    layers: { digest: string }[];
  };
  const victim = join(dir, "blobs/sha256", manifest.layers[1]?.digest.replace("sha256:", "") ?? "");
  const blob = await readFile(victim);
  await writeFile(victim, Buffer.concat([blob.subarray(0, 10), Buffer.alloc(blob.length - 10, 0x41)]));
  const run = await strata("scan", dir, "--no-verify-digests", "--no-cache");
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /layer 1: .*(corrupt|could not be read)/);
  assert.match(run.stdout, /^left-pad\s+1\.3\.0\s+npm\s+2/m);
  assert.match(run.stdout, /^base-a\s+1\.0-1\s+deb\s+0/m);
});

test("a gzip-compressed docker save is refused with advice", async () => {
  const file = join(work, "image.tar");
  const gz = join(work, "image.tar.gz");
  await writeDockerArchive(image, file);
  await writeFile(gz, gzipSync(await readFile(file)));
  const run = await strata("scan", gz);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^strata: /);
});

test("scans fill the layer cache; a rescan reports the same; cache clean empties it", async () => {
  const file = join(work, "cached.tar");
  await writeDockerArchive(image, file);
  const cacheDir = join(work, "layer-cache");
  const first = await strata("scan", file, "--format", "json", "--cache-dir", cacheDir, "--no-vulns");
  assert.equal(first.code, 0, first.stderr);
  assert.equal((await readdir(cacheDir)).filter((name) => name.endsWith(".layer.gz")).length, 3);
  const second = await strata("scan", file, "--format", "json", "--cache-dir", cacheDir, "--no-vulns");
  const packages = (run: Run) => (JSON.parse(run.stdout) as { packages: unknown[] }).packages;
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(packages(second), packages(first));
  const clean = await strata("cache", "clean", "--cache-dir", cacheDir);
  assert.equal(clean.code, 0);
  assert.match(clean.stderr, /cleaned/);
  assert.deepEqual(await readdir(cacheDir), []);
});
