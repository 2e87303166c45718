/**
 * `strata scan --upload` end to end: the real CLI scans a test image and uploads it to a real backend (SQLite,
 * advisories imported from ../shared/osv); the image is then read back with a user token and must match the
 * scan's own JSON report.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createServerToken, type RunningServer, startServer } from "../../backend/main.ts";
import { writeDockerArchive } from "../image-builder/index.ts";
import { importAdvisories, testImage, writeAdvisorySubsets } from "../backend/fixtures.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let work = "";
let advisoryDb = "";
let database = "";
let server: RunningServer;
let sensorToken = "";
let userToken = "";
let image = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function strata(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args],
      {
        cwd: repo,
        maxBuffer: 64 << 20,
        timeout: 180_000,
        killSignal: "SIGKILL",
        env: { ...process.env, XDG_CACHE_HOME: join(work, "cache"), STRATA_TOKEN: undefined, ...env },
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

before(
  async () => {
    work = await mkdtemp(join(tmpdir(), "strata-cli-upload-"));
    advisoryDb = join(work, "advisories.db");
    database = `sqlite:${join(work, "strata.db")}`;
    const zips = await writeAdvisorySubsets(work);
    await importAdvisories(advisoryDb, [zips.debian, zips.npm, zips.pypi]);
    image = join(work, "image.tar");
    await writeDockerArchive(await testImage(), image);
    server = await startServer({ port: 0, database, advisoryDb });
    sensorToken = await createServerToken({ database, role: "sensor", name: "cli test" });
    userToken = await createServerToken({ database, role: "user", name: "reader" });
  },
  { timeout: 60_000 },
);

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const reportSchema = z.object({
  image: z.object({ configDigest: z.string() }),
  layers: z.array(
    z.object({ index: z.number(), digest: z.string(), diffId: z.string(), size: z.number(), createdBy: z.string() }),
  ),
  packages: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      purl: z.string(),
      layer: z.object({ index: z.number() }),
    }),
  ),
  vulnerabilities: z.object({ findings: z.array(z.unknown()) }),
});

const detailsSchema = z.object({
  id: z.string(),
  packages: z.number(),
  findings: z.number(),
  layers: z.array(
    z.object({
      index: z.number(),
      digest: z.string(),
      diffId: z.string(),
      size: z.number(),
      createdBy: z.string().nullable(),
      packages: z.number(),
    }),
  ),
});

const packagesSchema = z.object({
  total: z.number(),
  items: z.array(z.object({ name: z.string(), version: z.string(), purl: z.string(), layer: z.number() })),
});

async function readApi(path: string): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${userToken}` } });
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}

test("scan --upload stores the image in the backend: its layers and packages are the scan's own", async () => {
  const out = join(work, "report.json");
  const run = await strata(
    ["scan", image, "--format", "json", "--output", out, "--offline", "--db", advisoryDb, "--upload", server.url],
    { STRATA_TOKEN: sensorToken },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!run.stderr.includes(sensorToken), "the token is never printed");
  assert.match(run.stderr, /uploaded to http:\/\/127\.0\.0\.1:\d+: image sha256:[0-9a-f]{64} added, 11 packages/);

  const report = reportSchema.parse(JSON.parse(await readFile(out, "utf8")));
  const id = report.image.configDigest;
  const details = detailsSchema.parse(await readApi(`/api/v1/images/${id}`));
  assert.equal(details.id, id);
  assert.deepEqual(
    details.layers.map(({ index, digest, diffId, size, createdBy }) => ({ index, digest, diffId, size, createdBy })),
    report.layers.map(({ index, digest, diffId, size, createdBy }) => ({ index, digest, diffId, size, createdBy })),
  );
  assert.deepEqual(
    details.layers.map((layer) => layer.packages),
    report.layers.map((layer) => report.packages.filter((pkg) => pkg.layer.index === layer.index).length),
  );
  const stored = packagesSchema.parse(await readApi(`/api/v1/images/${id}/packages?limit=500`));
  const key = (pkg: { purl: string; version: string; layer: number }): string =>
    `${pkg.purl} ${pkg.version} ${pkg.layer}`;
  assert.equal(stored.total, report.packages.length);
  assert.deepEqual(
    stored.items.map(key).sort(),
    report.packages.map((pkg) => key({ ...pkg, layer: pkg.layer.index })).sort(),
  );
  // Same advisories, same matcher: the server's findings are the scan's.
  assert.ok(report.vulnerabilities.findings.length > 0);
  assert.equal(details.findings, report.vulnerabilities.findings.length);
});

test("a wrong token: the report is still written, the error is clear, and the exit code is 5", async () => {
  const out = join(work, "rejected.json");
  const wrong = "strata_wrongwrongwrongwrongwrongwrongwrongwro";
  const run = await strata([
    "scan",
    image,
    "--no-vulns",
    "--format",
    "json",
    "--output",
    out,
    "--upload",
    server.url,
    "--token",
    wrong,
  ]);
  assert.equal(run.code, 5, run.stderr);
  assert.match(
    run.stderr,
    /^strata: upload failed, the report was written but not uploaded: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/inventories refused the upload: 401 Unauthorized: a valid bearer token is required \(is the token right\?\)$/m,
  );
  assert.ok(!run.stderr.includes(wrong));
  assert.ok(reportSchema.omit({ vulnerabilities: true }).parse(JSON.parse(await readFile(out, "utf8"))));
});

test("a user token may not upload: 403, exit 5", async () => {
  const run = await strata(["scan", image, "--no-vulns", "--format", "json", "--upload", server.url], {
    STRATA_TOKEN: userToken,
  });
  assert.equal(run.code, 5);
  assert.match(
    run.stderr,
    /403 Forbidden: a user token may not use this endpoint \(the token needs the sensor or admin role\)/,
  );
});

test("no token, or a bad URL, is a usage error before anything is scanned", async () => {
  const missing = await strata(["scan", join(work, "no-such-image.tar"), "--upload", server.url]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^strata: no upload token: pass --token or set STRATA_TOKEN$/m);
  const bad = await strata(["scan", image, "--upload", "strata.example"], { STRATA_TOKEN: sensorToken });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"strata\.example" is not a URL/);
});

test("a backend that is down: retried, then exit 5 with the reason", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const address = closed.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise((resolve) => closed.close(resolve));
  const run = await strata(
    ["scan", image, "--no-vulns", "--format", "json", "--upload", `http://127.0.0.1:${address.port}`],
    {
      STRATA_TOKEN: sensorToken,
    },
  );
  assert.equal(run.code, 5);
  assert.match(
    run.stderr,
    /upload failed, .*cannot upload to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/inventories: cannot reach/,
  );
});
