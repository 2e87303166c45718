/**
 * npm run bench:large: Strata against Trivy and against reading the layers alone, on a large real image
 * (Debian minbase plus Java, Python, Node.js and Go layers from Debian's packages, over 1 GB unpacked).
 * The image is built once (bench/large-image/build.sh, needs root and debootstrap) into the bench work
 * folder, STRATA_BENCH_LARGE_DIR or <tmpdir>/strata-bench-large, and reused by later runs. Every measured
 * command runs as a child process under GNU time (Debian package `time`) for wall time and peak RSS.
 * Exits 0 unless something crashes: a missed target is a number to look at, not a failure.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { textTable } from "../src/report/text-table.ts";
import { type Counts, describe, strataCounts, total, trivyCounts } from "./large-image/counts.ts";
import { ensureGzipOciLayout } from "./large-image/gzip-oci.ts";
import { ensureLargeImage, layerFacts } from "./large-image/image.ts";
import { measureRepeated, type RepeatedRun, timeBinary } from "./large-image/measure.ts";
import { buildStrata } from "./large-image/strata-build.ts";
import { ensureTrivy, trivyArgs } from "./large-image/trivy.ts";

const targets = { vsTrivy: 2, vsDecompression: 1.5, peakRssMiB: 300, warmShare: 0.1 };
/** Each measurement is repeated and its median kept: one run of a second or two varies by 20% on a busy machine. */
const repeats = Math.max(1, Number(process.env["STRATA_BENCH_RUNS"] ?? 3) || 3);

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "-");
const yes = (ok: boolean): string => (ok ? "yes" : "NO");
const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

/** Reads the image once, unmeasured, so that every measured run finds it in the page cache. */
function warmPageCache(path: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn("cat", [path], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", () => {
      resolve();
    });
    child.on("error", () => {
      resolve();
    });
  });
}

const spread = (run: RepeatedRun): string =>
  run.wallsMs.length < 2
    ? ""
    : ` (${(Math.min(...run.wallsMs) / 1000).toFixed(1)}–${(Math.max(...run.wallsMs) / 1000).toFixed(1)})`;

/** The two speed targets for a cold scan. */
function speedChecks(cold: RepeatedRun, decompression: RepeatedRun, trivy: RepeatedRun | undefined): string[][] {
  return [
    [
      `≥ ${targets.vsTrivy}× faster than Trivy`,
      trivy ? `${ratio(trivy.wallMs, cold.wallMs)} faster` : "no Trivy",
      trivy ? yes(trivy.wallMs >= targets.vsTrivy * cold.wallMs) : "-",
    ],
    [
      `within ${targets.vsDecompression}× of decompression alone`,
      ratio(cold.wallMs, decompression.wallMs),
      yes(cold.wallMs <= targets.vsDecompression * decompression.wallMs),
    ],
  ];
}

function checked(name: string, run: RepeatedRun): RepeatedRun {
  if (run.exitCode !== 0) {
    process.stdout.write(`bench: ${name} exited with ${run.exitCode}:\n${run.stderr.slice(-2000)}\n`);
  }
  return run;
}

async function main(): Promise<void> {
  if (!(await stat(timeBinary).catch(() => undefined))) {
    process.stdout.write(`bench: ${timeBinary} is missing (Debian package time); nothing measured\n`);
    return;
  }
  const work = process.env["STRATA_BENCH_LARGE_DIR"] ?? join(tmpdir(), "strata-bench-large");
  await mkdir(work, { recursive: true });
  process.stdout.write(
    `Strata large-image benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ` +
      `load average ${load()} at start; work folder ${work}\n`,
  );
  const image = await ensureLargeImage(work);
  process.stdout.write(
    `Image ${image.tar}: ${image.builtNow ? "built now" : "reused"}, build time ` +
      `${Number.isFinite(image.buildSeconds) ? `${image.buildSeconds.toFixed(0)} s` : "unknown"}\n`,
  );
  const layers = await layerFacts(work, image.tar);
  const bytes = layers.reduce((sum, layer) => sum + layer.bytes, 0);
  const files = layers.reduce((sum, layer) => sum + layer.files, 0);
  const jars = layers.reduce((sum, layer) => sum + layer.jars, 0);
  process.stdout.write(
    `${layers.length} layers, ${(bytes / 1e6).toFixed(0)} MB uncompressed, ${files.toLocaleString("en-US")} files, ` +
      `${jars} jars (${layers.map((layer) => `${(layer.bytes / 1e6).toFixed(0)} MB`).join(" + ")})\n\n`,
  );

  const scratch = await mkdtemp(join(work, "run-"));
  try {
    const sources = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
    const built = await buildStrata(scratch);
    const strata = built ?? fileURLToPath(new URL("../bin/strata.js", import.meta.url));
    process.stdout.write(
      built
        ? "Strata runs compiled by tsc (as it ships), built into the work folder for this run.\n"
        : "Strata runs from source through tsx (tsc emitted nothing): every run pays for compiling on start-up.\n",
    );
    await warmPageCache(image.tar);
    const env = { ...process.env, XDG_CACHE_HOME: join(scratch, "xdg") };
    const scan = (...extra: string[]): string[] => [strata, "scan", image.tar, "--no-vulns", "-q", ...extra];

    const measured = async (
      what: string,
      command: string,
      args: string[],
      options: { env?: NodeJS.ProcessEnv; prepare?: () => Promise<void> } = {},
    ): Promise<RepeatedRun> => {
      process.stdout.write(`measuring: ${what}, ${repeats} runs...\n`);
      return checked(what, await measureRepeated(repeats, command, args, options));
    };
    const tarScript = 'img=$1; shift; for layer in "$@"; do tar -xOf "$img" "$layer" | tar -xOf -; done >/dev/null';
    const decompression = await measured("decompression alone (GNU tar, every layer's every file to /dev/null)", "sh", [
      "-c",
      tarScript,
      "sh",
      image.tar,
      ...layers.map((layer) => layer.path),
    ]);
    const startup = await measured(
      "Strata start-up alone (strata --version)",
      process.execPath,
      [strata, "--version"],
      {
        env,
      },
    );
    const strataReport = join(scratch, "strata.json");
    const coldArgs = scan("--no-cache", "--format", "json", "-o", strataReport);
    const cold = await measured("Strata cold scan (--no-cache)", process.execPath, coldArgs, { env });
    // tar and Trivy check no digest; Strata checks every layer's by default: the same scan without, to compare.
    const unchecked = await measured(
      "Strata cold scan without digest checks (--no-cache --no-verify-digests)",
      process.execPath,
      scan("--no-cache", "--no-verify-digests", "--format", "json", "-o", "/dev/null"),
      { env },
    );
    const fromSources = built
      ? await measured(
          "Strata cold scan from TypeScript sources through tsx (--no-cache)",
          process.execPath,
          ["--import", "tsx", sources, ...scan("--no-cache", "--format", "json", "-o", "/dev/null").slice(1)],
          { env },
        )
      : undefined;
    const cacheDir = join(scratch, "layer-cache");
    const emptyCache = () => rm(cacheDir, { recursive: true, force: true });
    const cachedScan = scan("--cache-dir", cacheDir, "--format", "json", "-o", "/dev/null");
    const fill = await measured("Strata scan filling a fresh layer cache", process.execPath, cachedScan, {
      env,
      prepare: emptyCache,
    });
    const warm = await measured("Strata warm rescan", process.execPath, cachedScan, { env });

    const trivy = await ensureTrivy(work);
    let trivyRun: RepeatedRun | undefined;
    const trivyReport = join(scratch, "trivy.json");
    if (trivy) {
      const trivyCache = join(scratch, "trivy-cache");
      trivyRun = await measured(
        `Trivy (${trivy}), offline, fresh cache`,
        trivy,
        trivyArgs(image.tar, trivyCache, trivyReport),
        {
          prepare: () => rm(trivyCache, { recursive: true, force: true }),
        },
      );
    } else {
      process.stdout.write("bench: no trivy binary; its rows are left empty\n");
    }

    const throughput = (run: RepeatedRun): string => `${(bytes / 1e6 / (run.wallMs / 1000)).toFixed(0)} MB/s`;
    const rowAgainst = (
      name: string,
      run: RepeatedRun | undefined,
      trivyRun: RepeatedRun | undefined,
      decompression: RepeatedRun,
    ): string[] =>
      run
        ? [
            name,
            `${seconds(run.wallMs)}${spread(run)}`,
            seconds(run.cpuMs),
            mib(run.peakRssKb),
            throughput(run),
            trivyRun ? ratio(run.wallMs, trivyRun.wallMs) : "-",
            ratio(run.wallMs, decompression.wallMs),
          ]
        : [name, "-", "-", "-", "-", "-", "-"];
    const row = (name: string, run: RepeatedRun | undefined): string[] =>
      rowAgainst(name, run, trivyRun, decompression);
    process.stdout.write(
      `\n${textTable(
        ["run", "wall: median (min–max)", "cpu", "peak RSS", "throughput", "vs Trivy", "vs tar"],
        [
          row("decompression alone (tar)", decompression),
          [...row("Strata start-up only (--version)", startup).slice(0, 4), "-", "-", "-"],
          row("Strata cold (--no-cache)", cold),
          row("Strata cold, no digest checks", unchecked),
          ...(fromSources ? [row("Strata cold, sources through tsx", fromSources)] : []),
          row("Strata, filling the cache", fill),
          row("Strata warm rescan", warm),
          row("Trivy (offline, license scanner)", trivyRun),
        ],
      )}\n\n`,
    );

    const peak = Math.max(cold.peakRssKb, unchecked.peakRssKb, fill.peakRssKb, warm.peakRssKb);
    const checks = [
      ...speedChecks(cold, decompression, trivyRun),
      [
        "  the same, without digest checks (as tar)",
        ratio(unchecked.wallMs, decompression.wallMs),
        yes(unchecked.wallMs <= targets.vsDecompression * decompression.wallMs),
      ],
      [`peak RSS < ${targets.peakRssMiB} MiB`, mib(peak), yes(peak < targets.peakRssMiB * 1024)],
      [
        `warm rescan < ${targets.warmShare * 100}% of cold`,
        `${((warm.wallMs / cold.wallMs) * 100).toFixed(1)}%`,
        yes(warm.wallMs < targets.warmShare * cold.wallMs),
      ],
    ];
    process.stdout.write(`${textTable(["target", "measured", "met"], checks)}\n\n`);

    const strataByEcosystem: Counts = await strataCounts(strataReport);
    process.stdout.write(`Strata packages: ${total(strataByEcosystem)} (${describe(strataByEcosystem)})\n`);
    if (trivyRun) {
      const trivyByType = await trivyCounts(trivyReport);
      process.stdout.write(`Trivy packages:  ${total(trivyByType)} (${describe(trivyByType)})\n`);
    }

    // The same image as a registry serves it, where decompression is real work.
    const oci = await ensureGzipOciLayout(work, image.tar);
    process.stdout.write(
      `\nThe same image as an OCI layout with gzip-compressed layers (as registries hold them): ${oci.dir}, ` +
        `${(oci.compressedBytes / 1e6).toFixed(0)} MB of layers\n`,
    );
    for (const layer of oci.layers) await warmPageCache(layer);
    const gunzipScript = 'for layer in "$@"; do gzip -dc "$layer" | tar -xOf -; done >/dev/null';
    const ociDecompression = await measured("decompression alone (gzip -dc | tar)", "sh", [
      "-c",
      gunzipScript,
      "sh",
      ...oci.layers,
    ]);
    const ociReport = join(scratch, "strata-oci.json");
    const ociCold = await measured(
      "Strata cold scan of the OCI layout (--no-cache)",
      process.execPath,
      [strata, "scan", `oci:${oci.dir}`, "--no-vulns", "-q", "--no-cache", "--format", "json", "-o", ociReport],
      { env },
    );
    let ociTrivy: RepeatedRun | undefined;
    if (trivy) {
      const trivyCache = join(scratch, "trivy-cache");
      ociTrivy = await measured(
        "Trivy on the OCI layout, fresh cache",
        trivy,
        trivyArgs(oci.dir, trivyCache, join(scratch, "trivy-oci.json")),
        { prepare: () => rm(trivyCache, { recursive: true, force: true }) },
      );
    }
    process.stdout.write(
      `\n${textTable(
        ["run", "wall: median (min–max)", "cpu", "peak RSS", "throughput", "vs Trivy", "vs decompression"],
        [
          rowAgainst("decompression alone (gzip -dc)", ociDecompression, ociTrivy, ociDecompression),
          rowAgainst("Strata cold (--no-cache)", ociCold, ociTrivy, ociDecompression),
          rowAgainst("Trivy (offline, license scanner)", ociTrivy, ociTrivy, ociDecompression),
        ],
      )}\n\n`,
    );
    process.stdout.write(
      `${textTable(
        ["target (OCI layout, gzip)", "measured", "met"],
        [
          ...speedChecks(ociCold, ociDecompression, ociTrivy),
          [
            `peak RSS < ${targets.peakRssMiB} MiB`,
            mib(ociCold.peakRssKb),
            yes(ociCold.peakRssKb < targets.peakRssMiB * 1024),
          ],
        ],
      )}\n\n`,
    );
    const ociByEcosystem = await strataCounts(ociReport);
    process.stdout.write(
      `Strata packages from the OCI layout: ${total(ociByEcosystem)} (${describe(ociByEcosystem)})` +
        `${describe(ociByEcosystem) === describe(strataByEcosystem) ? ", the same as from the docker archive" : ", NOT the same as from the docker archive"}\n`,
    );
    process.stdout.write(`Load average ${load()} at the end.\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
