/**
 * Seeded mutation fuzzing of every registered cataloger's parse and of the layer tar walk.
 *
 *   STRATA_FUZZ_SECONDS    total time budget (default 20), shared by the targets
 *   STRATA_FUZZ_SEED       the seed (default: random, printed)
 *   STRATA_FUZZ_TARGET     run only this target (a cataloger name, or "tar-walk")
 *   STRATA_FUZZ_ITERATION  replay one input of that target in this process, with its stack trace
 *
 * Each input must parse without throwing (issues are fine) within maxInputMillis, and the process
 * must stay within maxGrowthMiB of where it started.
 */
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { catalogers } from "../../src/catalog/registry.ts";
import { type FuzzJob, type FuzzMessage, makeInput, pools, stateBytes, stateViews } from "./fuzz-run.ts";
import { fuzzTargets } from "./targets.ts";

const maxInputMillis = 2000;
const maxGrowthMiB = 400;
const seconds = Number(process.env["STRATA_FUZZ_SECONDS"] ?? "20");
const seed = Number(process.env["STRATA_FUZZ_SEED"] ?? randomInt(2 ** 31));
const only = process.env["STRATA_FUZZ_TARGET"];
const replay = process.env["STRATA_FUZZ_ITERATION"];

const targets = fuzzTargets();
const chosen = targets.filter((target) => only === undefined || target.name === only);

function replayHint(target: string, iteration: number): string {
  return `replay: STRATA_FUZZ_SEED=${seed} STRATA_FUZZ_TARGET=${target} STRATA_FUZZ_ITERATION=${iteration} node --import tsx --test test/fuzz/parsers.test.ts`;
}

/** Writes a failing input where it can be looked at. */
async function saveInput(targetName: string, iteration: number): Promise<string> {
  const target = targets.find((candidate) => candidate.name === targetName);
  if (target === undefined) return "(unknown target)";
  const { input, context } = makeInput(targetName, await pools(target), seed, iteration);
  const dir = mkdtempSync(join(tmpdir(), "strata-fuzz-"));
  writeFileSync(join(dir, "input"), input);
  if (context !== undefined) writeFileSync(join(dir, "context"), context);
  return dir;
}

test("every registered cataloger is fuzzed", () => {
  assert.deepEqual(
    targets.map((target) => target.name),
    [...catalogers.map((cataloger) => cataloger.name), "tar-walk"],
  );
  assert.ok(chosen.length > 0, `no fuzz target named ${only ?? ""}`);
});

if (replay !== undefined) {
  test(`replay ${only ?? "?"} iteration ${replay} of seed ${seed}`, async () => {
    const [target] = chosen;
    assert.ok(target && only !== undefined, "STRATA_FUZZ_ITERATION needs STRATA_FUZZ_TARGET");
    const iteration = Number(replay);
    const { input, context } = makeInput(target.name, await pools(target), seed, iteration);
    const started = Date.now();
    await target.run(input, context, iteration);
    assert.ok(Date.now() - started < maxInputMillis, `took ${Date.now() - started} ms`);
  });
} else {
  test(`fuzz parsers and the layer walk for ${seconds} s (seed ${seed})`, {
    timeout: (seconds + 120) * 1000,
  }, async (t) => {
    const state = new SharedArrayBuffer(stateBytes);
    const { since, running } = stateViews(state);
    const job: FuzzJob = {
      seed,
      targets: chosen.map((target) => target.name),
      millisPerTarget: (seconds * 1000) / chosen.length,
      minIterations: 50,
      state,
    };
    // The worker runs TypeScript too: register tsx in it before loading the loop.
    const tsx = import.meta.resolve("tsx/esm/api");
    const loop = new URL("./fuzz-worker.ts", import.meta.url).href;
    const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(loop)}); })`;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const failures: string[] = [];
    let failed = 0;
    let hung = false;
    const worker = new Worker(boot, { eval: true, workerData: job, resourceLimits: { maxOldGenerationSizeMb: 1024 } });

    const finished = new Promise<void>((resolve) => {
      const watch = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
        const busyFor = Date.now() - (since[0] ?? 0);
        if (Atomics.load(running, 0) === 1 && busyFor > maxInputMillis) {
          const target = job.targets[running[1] ?? 0] ?? "?";
          const iteration = running[2] ?? 0;
          hung = true;
          clearInterval(watch);
          void worker.terminate();
          void saveInput(target, iteration).then((saved) => {
            failures.push(
              `${target} iteration ${iteration}: still running after ${busyFor} ms (input in ${saved}); ${replayHint(target, iteration)}`,
            );
            resolve();
          });
        }
      }, 50);
      worker.on("message", (message: FuzzMessage) => {
        if (message.kind === "failure") {
          failed += 1;
          if (failures.length < 20) {
            failures.push(
              `${message.target} iteration ${message.iteration}: ${message.message}\n${replayHint(message.target, message.iteration)}`,
            );
          }
        } else if (message.kind === "progress") {
          t.diagnostic(
            `${message.target}: ${message.iterations} inputs from ${message.seeds} fixtures, slowest ${message.slowestMs} ms`,
          );
        } else {
          clearInterval(watch);
          void worker.terminate().then(() => {
            resolve();
          });
        }
      });
      worker.on("exit", (code) => {
        // A hung worker is stopped on purpose; its report is still being written.
        if (hung) return;
        clearInterval(watch);
        if (code !== 0 && code !== 1) failures.push(`the fuzz worker exited with code ${code}`);
        resolve();
      });
      worker.on("error", (error) => {
        clearInterval(watch);
        const target = job.targets[running[1] ?? 0] ?? "?";
        failures.push(
          `the fuzz worker died in ${target} iteration ${running[2] ?? 0}: ${error.message}; ${replayHint(target, running[2] ?? 0)}`,
        );
        resolve();
      });
    });
    await finished;
    const growthMiB = (peak - baseline) / (1 << 20);
    t.diagnostic(`seed ${seed}; resident memory grew by at most ${Math.round(growthMiB)} MiB`);
    assert.deepEqual(failures, [], `fuzzing with seed ${seed} failed (${failed} inputs; the first 20 are listed)`);
    assert.ok(growthMiB < maxGrowthMiB, `memory grew by ${Math.round(growthMiB)} MiB (seed ${seed})`);
  });
}
