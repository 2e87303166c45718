/**
 * node --import tsx bench/backend.ts [--images N] [--queries N] [--concurrency N] [--osv DIR]
 *
 * The backend under load, on SQLite and (when Debian's postgresql is installed) on PostgreSQL:
 * - ingest: N inventories POSTed over HTTP to a real server, each synthesised from one real scan
 *   (this machine's dpkg database and this repo's node_modules) with its own digest, tags, Debian
 *   release (9, 10 or 11) and a random quarter of its packages moved to vulnerable versions;
 * - the vulnerability query: GET /images/:id/vulnerabilities with random images and filters, one at a time;
 * - re-evaluation of every stored image against the advisory database.
 * The advisory database is the whole OSV corpus (../shared/osv). Client and server share this process.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { fileURLToPath } from "node:url";
import { createServerToken, type RunningServer, startServer } from "../backend/main.ts";
import type { Inventory } from "../src/model/inventory.ts";
import type { Package } from "../src/model/package.ts";
import { textTable } from "../src/report/text-table.ts";
import { scanImage } from "../src/scan.ts";
import { openSource } from "../src/source/open.ts";
import { openVulnDatabase } from "../src/vulndb/database.ts";
import { importOsvPath } from "../src/vulndb/import-sources.ts";
import { writeDockerArchive } from "../test/image-builder/index.ts";
import { postgresUnavailable, startPostgres } from "../test/backend/postgres-cluster.ts";
import { seededRandom as random } from "../test/seeded-random.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));

const { values: args } = parseArgs({
  options: {
    images: { type: "string", default: "1000" },
    queries: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "4" },
    osv: { type: "string", default: fileURLToPath(new URL("../../shared/osv", import.meta.url)) },
  },
});
const imageCount = Number(args.images);
const queryCount = Number(args.queries);
const concurrency = Number(args.concurrency);

/** The real inventory everything is varied from: a Debian 11 image of this machine's packages plus node_modules. */
async function baseInventory(work: string): Promise<Inventory> {
  const status = await readFile("/var/lib/dpkg/status", "utf8");
  const nodeModules: Record<string, Buffer> = {};
  for (const name of await readdir(join(repo, "node_modules"))) {
    const manifest = join(repo, "node_modules", name, "package.json");
    if (!name.startsWith(".") && !name.startsWith("@") && (await stat(manifest).catch(() => undefined)))
      nodeModules[`app/node_modules/${name}/package.json`] = await readFile(manifest);
  }
  const file = join(work, "base.tar");
  await writeDockerArchive(
    {
      layers: [
        {
          createdBy: "debian base",
          files: { "etc/os-release": 'ID=debian\nVERSION_ID="11"\n', "var/lib/dpkg/status": status },
        },
        { createdBy: "COPY node_modules", files: nodeModules },
      ],
    },
    file,
  );
  const source = await openSource(file);
  try {
    return await scanImage(source);
  } finally {
    await source.close();
  }
}

function downgraded(pkg: Package): Package {
  if (pkg.metadata.kind === "dpkg")
    return { ...pkg, version: "0.1-1", metadata: { ...pkg.metadata, sourceVersion: "0.1-1" } };
  return { ...pkg, version: "0.0.1" };
}

/** Debian releases the synthesised images claim to be, in turn: older releases have more advisories. */
const releases = ["9", "10", "11"];

function variant(base: Inventory, index: number): Inventory {
  const next = random(index + 1);
  const reference = `bench.example/team-${index % 20}/app-${index % 100}:${index}`;
  const distro = base.distro ? { ...base.distro, versionId: releases[index % releases.length] ?? "11" } : undefined;
  return {
    ...base,
    ...(distro ? { distro } : {}),
    image: {
      ...base.image,
      reference,
      tags: [reference],
      configDigest: `sha256:${createHash("sha256").update(`bench-image-${index}`).digest("hex")}`,
    },
    packages: base.packages.map((pkg) => (next() < 0.25 ? downgraded(pkg) : pkg)),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

interface Run {
  name: string;
  ingestSeconds: number;
  uploadP95: number;
  findingsPerImage: number;
  queryP50: number;
  queryP95: number;
  queryP99: number;
  listP95: number;
  reevaluateSeconds: number;
  storeBytes: number;
}

async function bench(name: string, server: RunningServer, database: string, base: Inventory): Promise<Run> {
  const sensor = await createServerToken({ database, role: "sensor", name: "bench" });
  const user = await createServerToken({ database, role: "user", name: "bench" });
  const uploads: number[] = [];
  let findings = 0;
  let nextImage = 0;
  const started = performance.now();
  const uploader = async (): Promise<void> => {
    while (nextImage < imageCount) {
      const body = JSON.stringify(variant(base, nextImage++));
      const sent = performance.now();
      const response = await fetch(`${server.url}/api/v1/inventories`, {
        method: "POST",
        headers: { authorization: `Bearer ${sensor}`, "content-type": "application/json" },
        body,
      });
      const json: unknown = await response.json();
      uploads.push(performance.now() - sent);
      if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${JSON.stringify(json)}`);
      const count: unknown = typeof json === "object" && json !== null ? Reflect.get(json, "findings") : undefined;
      findings += typeof count === "number" ? count : 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, uploader));
  const ingestSeconds = (performance.now() - started) / 1000;

  const filters = [
    "",
    "?severity=critical,high",
    "?detection=os",
    "?detection=sca&fixable=true",
    "?layer=1",
    "?ecosystem=npm&severity=medium",
    "?fixable=false&limit=20",
    "?page=2",
  ];
  const next = random(7);
  const queries: number[] = [];
  for (let i = 0; i < queryCount; i++) {
    const image = variant(base, Math.floor(next() * imageCount)).image.configDigest ?? "";
    const filter = filters[Math.floor(next() * filters.length)] ?? "";
    const sent = performance.now();
    const response = await fetch(`${server.url}/api/v1/images/${image}/vulnerabilities${filter}`, {
      headers: { authorization: `Bearer ${user}` },
    });
    await response.json();
    queries.push(performance.now() - sent);
    if (response.status !== 200) throw new Error(`query failed: ${response.status}`);
  }
  const lists: number[] = [];
  for (let i = 0; i < Math.min(200, queryCount); i++) {
    const query = ["?sort=findings", "?sort=lastSeen&q=team-3", "?sort=reference&page=3"][i % 3] ?? "";
    const sent = performance.now();
    const response = await fetch(`${server.url}/api/v1/images${query}`, {
      headers: { authorization: `Bearer ${user}` },
    });
    await response.json();
    lists.push(performance.now() - sent);
  }
  const reevaluated = performance.now();
  await server.reevaluate();
  const reevaluateSeconds = (performance.now() - reevaluated) / 1000;

  uploads.sort((a, b) => a - b);
  queries.sort((a, b) => a - b);
  lists.sort((a, b) => a - b);
  return {
    name,
    ingestSeconds,
    uploadP95: percentile(uploads, 95),
    findingsPerImage: findings / imageCount,
    queryP50: percentile(queries, 50),
    queryP95: percentile(queries, 95),
    queryP99: percentile(queries, 99),
    listP95: percentile(lists, 95),
    reevaluateSeconds,
    storeBytes: 0,
  };
}

async function postgresSize(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ size: string }>("SELECT pg_database_size(current_database()) AS size");
    return Number(result.rows[0]?.size);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const load = () => (loadavg()[0] ?? 0).toFixed(1);
  process.stdout.write(
    `Strata backend benchmark: Node ${process.version}, ${availableParallelism()} CPUs, load average ${load()}; ` +
      `${imageCount} images, ${queryCount} queries, ${concurrency} concurrent uploads.\n`,
  );
  const work = await mkdtemp(join(tmpdir(), "strata-bench-backend-"));
  try {
    const advisoryDb = join(work, "osv.sqlite");
    const importing = performance.now();
    const db = openVulnDatabase(advisoryDb);
    try {
      await importOsvPath(db, args.osv);
    } finally {
      db.close();
    }
    process.stdout.write(`advisory database: the OSV corpus imported in ${ms(performance.now() - importing)}\n`);
    const base = await baseInventory(work);
    process.stdout.write(
      `base inventory: ${base.packages.length} packages, ${JSON.stringify(base).length.toLocaleString("en-US")} bytes of JSON\n`,
    );

    const runs: Run[] = [];
    const sqlitePath = join(work, "strata.db");
    const sqlite = `sqlite:${sqlitePath}`;
    const sqliteServer = await startServer({ port: 0, database: sqlite, advisoryDb });
    try {
      const run = await bench("SQLite (WAL)", sqliteServer, sqlite, base);
      run.storeBytes =
        (await stat(sqlitePath)).size + ((await stat(`${sqlitePath}-wal`).catch(() => undefined))?.size ?? 0);
      runs.push(run);
    } finally {
      await sqliteServer.close();
    }

    const noPostgres = await postgresUnavailable();
    if (noPostgres === undefined) {
      const cluster = await startPostgres({ durable: true });
      try {
        const url = await cluster.createDatabase("strata_bench");
        const server = await startServer({ port: 0, database: url, advisoryDb });
        try {
          const run = await bench("PostgreSQL", server, url, base);
          run.storeBytes = await postgresSize(url);
          runs.push(run);
        } finally {
          await server.close();
        }
      } finally {
        await cluster.stop();
      }
    } else {
      process.stdout.write(`PostgreSQL skipped: ${noPostgres}\n`);
    }

    const rows = runs.map((run) => [
      run.name,
      `${run.ingestSeconds.toFixed(1)} s (${(imageCount / run.ingestSeconds).toFixed(1)}/s)`,
      ms(run.uploadP95),
      run.findingsPerImage.toFixed(0),
      `${ms(run.queryP50)} / ${ms(run.queryP95)} / ${ms(run.queryP99)}`,
      ms(run.listP95),
      `${run.reevaluateSeconds.toFixed(1)} s`,
      run.storeBytes > 0 ? `${(run.storeBytes / 1e6).toFixed(0)} MB` : "",
    ]);
    process.stdout.write(
      `\n${textTable(
        [
          "database",
          `ingest ${imageCount}`,
          "upload p95",
          "findings/image",
          "vulns query p50 / p95 / p99",
          "image list p95",
          "re-evaluate all",
          "file size",
        ],
        rows,
      )}\n\nload average ${load()} at the end.\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
