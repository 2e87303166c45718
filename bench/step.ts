/**
 * One benchmark step in a process of its own, so that its peak RSS and CPU time are its own.
 * Prints one JSON object of numbers. Usage: node --import tsx bench/step.ts STEP ARGS...
 *   import CORPUS DB | match DB | build DB IMAGE | scan IMAGE DB
 */
import { stat } from "node:fs/promises";
import { matchInventory } from "../src/match/match-inventory.ts";
import type { Inventory } from "../src/model/inventory.ts";
import { scanImage } from "../src/scan.ts";
import { openSource } from "../src/source/open.ts";
import { openVulnDatabase } from "../src/vulndb/database.ts";
import { importOsvPath } from "../src/vulndb/import-sources.ts";
import { writeDockerArchive } from "../test/image-builder/index.ts";
import { sampleAdvisoryPackages } from "./advisory-sample.ts";
import { benchPackages, matchAll } from "./match-packages.ts";
import { syntheticImage } from "./synthetic-image.ts";

export type Measurement = Record<string, number>;

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function measured(work: () => Promise<Measurement> | Measurement): Promise<Measurement> {
  const cpu = cpuMs();
  const started = performance.now();
  const out = await work();
  return { ...out, ms: performance.now() - started, cpuMs: cpuMs() - cpu };
}

async function importStep(corpus: string, database: string): Promise<Measurement> {
  const db = openVulnDatabase(database);
  try {
    return await measured(async () => {
      const stats = await importOsvPath(db, corpus);
      const records = stats.reduce((sum, one) => sum + one.imported + one.unchanged + one.invalid, 0);
      return { records, zips: stats.length };
    });
  } finally {
    db.close();
  }
}

async function matchStep(database: string): Promise<Measurement> {
  const db = openVulnDatabase(database, { readonly: true });
  try {
    const groups = benchPackages(db);
    const packages = groups.reduce((sum, group) => sum + group.packages.length, 0);
    const cold = await measured(() => ({ findings: matchAll(db, groups) }));
    const warm = await measured(() => ({ findings: matchAll(db, groups) }));
    return {
      packages,
      findings: cold["findings"] ?? 0,
      ms: cold["ms"] ?? 0,
      cpuMs: cold["cpuMs"] ?? 0,
      warmMs: warm["ms"] ?? 0,
    };
  } finally {
    db.close();
  }
}

async function buildStep(database: string, image: string): Promise<Measurement> {
  const db = openVulnDatabase(database, { readonly: true });
  const plan = {
    debian: sampleAdvisoryPackages(db, "Debian", 1200),
    npm: sampleAdvisoryPackages(db, "npm", 2400),
    pypi: sampleAdvisoryPackages(db, "PyPI", 600),
  };
  db.close();
  const result = await measured(async () => {
    const synthetic = syntheticImage(plan);
    await writeDockerArchive(synthetic.image, image);
    return {
      files: synthetic.files,
      layers: synthetic.image.layers.length,
      expectedPackages: synthetic.expectedPackages,
    };
  });
  return { ...result, bytes: (await stat(image)).size };
}

async function scanStep(image: string, database: string): Promise<Measurement> {
  const startRssKb = process.resourceUsage().maxRSS;
  let inventory: Inventory | undefined;
  const scan = await measured(async () => {
    const source = await openSource(image);
    inventory = await scanImage(source).finally(() => source.close());
    return { packages: inventory.packages.length, issues: inventory.issues.length };
  });
  // Read before matching, so that it is the scan's peak.
  const maxRssKb = process.resourceUsage().maxRSS;
  const scanned = inventory;
  const match = scanned
    ? await measured(() => ({ findings: matchInventory(scanned, database)?.vulnerabilities?.findings.length ?? 0 }))
    : {};
  return {
    ...scan,
    bytes: (await stat(image)).size,
    maxRssKb,
    startRssKb,
    findings: match["findings"] ?? 0,
    matchMs: match["ms"] ?? 0,
  };
}

const [step, first = "", second = ""] = process.argv.slice(2);
const steps: Record<string, () => Promise<Measurement>> = {
  import: () => importStep(first, second),
  match: () => matchStep(first),
  build: () => buildStep(first, second),
  scan: () => scanStep(first, second),
};
const run = step === undefined ? undefined : steps[step];
if (!run) {
  process.stderr.write(`usage: step.ts ${Object.keys(steps).join("|")} ARGS...\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}
