/**
 * npm run bench [-- OSV_DIR]: advisory import, matching and image scanning, timed against their targets.
 * OSV_DIR defaults to ../shared/osv (laid out like osv.dev's bucket). Each step runs in a process of
 * its own (bench/step.ts) so that peak RSS and CPU time belong to that step alone. Exits 0 unless
 * something crashes: a missed target is a number to look at, not a failure.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { textTable } from "../src/report/text-table.ts";

const targets = { importMs: 30_000, matchMs: 1_000 };

type Numbers = (key: string) => number;

/** Runs one step in a child process and reads the JSON object of numbers it prints. */
function step(name: string, ...args: string[]): Promise<Numbers> {
  const script = fileURLToPath(new URL("step.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, name, ...args],
      { maxBuffer: 1 << 20 },
      (error, out, err) => {
        if (error) {
          reject(new Error(`bench step ${name} failed: ${err || error.message}`, { cause: error }));
          return;
        }
        const parsed: unknown = JSON.parse(out);
        const values = new Map<string, number>();
        if (typeof parsed === "object" && parsed !== null) {
          for (const [key, value] of Object.entries(parsed)) if (typeof value === "number") values.set(key, value);
        }
        resolve((key) => values.get(key) ?? Number.NaN);
      },
    );
  });
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const count = (n: number): string => Math.round(n).toLocaleString("en-US");
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const verdict = (ms: number, target: number): string => (ms < target ? "yes" : "NO");

async function main(): Promise<void> {
  const corpus = process.argv[2] ?? fileURLToPath(new URL("../../shared/osv", import.meta.url));
  if (!(await stat(corpus).catch(() => undefined))) {
    process.stdout.write(`bench: no OSV corpus at ${corpus}; pass a folder laid out like osv.dev's bucket\n`);
    return;
  }
  const load = () => (loadavg()[0] ?? 0).toFixed(1);
  process.stdout.write(
    `Strata benchmark: Node ${process.version}, ${availableParallelism()} CPUs, load average ${load()} at start.\n` +
      "Wall time is what the targets judge; CPU time (all threads of the step's process) shows how much of it\n" +
      "was work rather than waiting for a busy machine.\n\n",
  );
  const work = await mkdtemp(join(tmpdir(), "strata-bench-"));
  const started = performance.now();
  try {
    const database = join(work, "osv.sqlite");
    const image = join(work, "synthetic.tar");
    const imported = await step("import", corpus, database);
    const matched = await step("match", database);
    const built = await step("build", database, image);
    const scanned = await step("scan", image, database);
    const rows = [
      [
        `(a) import ${count(imported("zips"))} OSV zips into a fresh SQLite`,
        `${seconds(imported("ms"))} (cpu ${seconds(imported("cpuMs"))}); ${count(imported("records"))} records, ` +
          `${count(imported("records") / (imported("ms") / 1000))} records/s`,
        `< ${seconds(targets.importMs)}`,
        verdict(imported("ms"), targets.importMs),
      ],
      [
        `(b) match ${count(matched("packages"))} packages of 8 ecosystems`,
        `${seconds(matched("ms"))} (cpu ${seconds(matched("cpuMs"))}); ${count(matched("findings"))} findings; ` +
          `again with warm caches ${seconds(matched("warmMs"))}`,
        `< ${seconds(targets.matchMs)}`,
        verdict(matched("ms"), targets.matchMs),
      ],
      [
        "(c) build the synthetic docker-archive",
        `${seconds(built("ms"))}; ${megabytes(built("bytes"))}, ${count(built("layers"))} layers, ${count(built("files"))} files`,
        "",
        "",
      ],
      [
        "(c) scan it (inventory only)",
        `${seconds(scanned("ms"))} (cpu ${seconds(scanned("cpuMs"))}); ` +
          `${(scanned("bytes") / 1e6 / (scanned("ms") / 1000)).toFixed(1)} MB/s; ` +
          `${count(scanned("packages"))} packages (${count(built("expectedPackages"))} expected), ` +
          `${count(scanned("issues"))} issues`,
        "no target set",
        "",
      ],
      [
        "(c) peak RSS of the scanning process",
        `${megabytes(scanned("maxRssKb") * 1024)} (${megabytes(scanned("startRssKb") * 1024)} when the step started)`,
        "no target set",
        "",
      ],
      [
        "(c) match the scanned inventory",
        `${seconds(scanned("matchMs"))}; ${count(scanned("findings"))} findings`,
        "",
        "",
      ],
    ];
    process.stdout.write(`${textTable(["step", "measured", "target", "met"], rows)}\n\n`);
    const missed = rows.filter((row) => row[3] === "NO").map((row) => row[0]);
    process.stdout.write(missed.length === 0 ? "All targets met.\n" : `Targets missed: ${missed.join("; ")}.\n`);
    process.stdout.write(
      `Benchmark wall time ${seconds(performance.now() - started)}; load average ${load()} at the end.\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
