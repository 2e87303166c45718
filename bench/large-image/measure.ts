/** Runs a command as a child process under GNU time, for its wall time, CPU time and peak RSS. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Run {
  wallMs: number;
  cpuMs: number;
  /** Largest resident set of the command or of any one of its children, in KiB. */
  peakRssKb: number;
  exitCode: number;
  stderr: string;
}

export const timeBinary = "/usr/bin/time";

export async function measure(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "strata-bench-time-"));
  const report = join(dir, "time");
  try {
    const started = performance.now();
    const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>((resolve) => {
      execFile(
        timeBinary,
        ["-f", "%e %M %U %S", "-o", report, command, ...args],
        { maxBuffer: 64 << 20, env: env ?? process.env },
        (error, _out, err) => {
          const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
          resolve({ exitCode: code, stderr: err });
        },
      );
    });
    const wallMs = performance.now() - started;
    const lines = (await readFile(report, "utf8")).trim().split("\n");
    const fields = (lines.at(-1) ?? "").split(" ").map(Number);
    const [, peakRssKb = Number.NaN, user = Number.NaN, system = Number.NaN] = fields;
    return { wallMs, cpuMs: (user + system) * 1000, peakRssKb, exitCode, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RepeatedRun extends Run {
  /** Wall times of every run, fastest first. */
  wallsMs: number[];
}

/**
 * Runs the command `times` times, calling `prepare` before each (to empty a cache), and returns the run with
 * the median wall time, carrying the largest peak RSS of all runs. A failed run is returned at once.
 */
export async function measureRepeated(
  times: number,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; prepare?: () => Promise<void> } = {},
): Promise<RepeatedRun> {
  const runs: Run[] = [];
  for (let i = 0; i < Math.max(1, times); i++) {
    await options.prepare?.();
    const run = await measure(command, args, options.env);
    if (run.exitCode !== 0) return { ...run, wallsMs: [run.wallMs] };
    runs.push(run);
  }
  runs.sort((a, b) => a.wallMs - b.wallMs);
  const median = runs[Math.floor((runs.length - 1) / 2)] ?? runs[0];
  if (!median) throw new Error("no run");
  return {
    ...median,
    peakRssKb: Math.max(...runs.map((run) => run.peakRssKb)),
    wallsMs: runs.map((run) => run.wallMs),
  };
}
