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
