/**
 * The fuzz loop, run in a worker thread so the test can stop an input that hangs. Progress is shared
 * through memory the test polls: which target and iteration is running, and since when.
 */
import { seededRandom } from "../seeded-random.ts";
import { inputSeed, mutate } from "./mutate.ts";
import type { FuzzTarget } from "./targets.ts";

export interface FuzzJob {
  seed: number;
  /** Names of the targets to run, in order. */
  targets: string[];
  millisPerTarget: number;
  /** Inputs run per target even when its time is up (every fixture as it is, then mutations). */
  minIterations: number;
  /** [start time (ms)] as Float64, then [running, position in `targets`, iteration] as Int32. */
  state: SharedArrayBuffer;
}

export type FuzzMessage =
  | { kind: "failure"; target: string; iteration: number; message: string }
  | { kind: "progress"; target: string; iterations: number; slowestMs: number; seeds: number }
  | { kind: "done" };

export const stateBytes = 24;

export function stateViews(state: SharedArrayBuffer): { since: Float64Array; running: Int32Array } {
  return { since: new Float64Array(state, 0, 1), running: new Int32Array(state, 8, 3) };
}

export interface Pools {
  seeds: Buffer[];
  context: Buffer[];
}

/** The inputs (file and context file) of one iteration; the first iterations are the fixtures as they are. */
export function makeInput(
  target: string,
  pools: Pools,
  seed: number,
  iteration: number,
): { input: Buffer; context: Buffer | undefined } {
  const next = seededRandom(inputSeed(seed, target, iteration));
  const pick = (pool: readonly Buffer[]): Buffer => pool[Math.floor(next() * pool.length)] ?? Buffer.alloc(0);
  const all = [...pools.seeds, ...pools.context];
  const maxBytes = Math.min(8 << 20, 2 * Math.max(...all.map((buffer) => buffer.length), 4096));
  const fixed = iteration < pools.seeds.length;
  const input = fixed
    ? (pools.seeds[iteration] ?? Buffer.alloc(0))
    : mutate(pick(pools.seeds), pick(all), next, maxBytes);
  let context: Buffer | undefined;
  if (pools.context.length > 0) {
    const base = pick(pools.context);
    context = fixed || next() < 0.5 ? base : mutate(base, pick(all), next, maxBytes);
  }
  return { input, context };
}

export async function pools(target: FuzzTarget): Promise<Pools> {
  return { seeds: await target.seeds(), context: target.context() };
}

export async function fuzz(
  job: FuzzJob,
  targets: readonly FuzzTarget[],
  post: (message: FuzzMessage) => void,
): Promise<void> {
  const { since, running } = stateViews(job.state);
  for (const [position, name] of job.targets.entries()) {
    const target = targets.find((candidate) => candidate.name === name);
    if (target === undefined) throw new Error(`unknown fuzz target ${name}`);
    const inputs = await pools(target);
    if (inputs.seeds.length === 0) throw new Error(`fuzz target ${name} has no fixtures`);
    const deadline = Date.now() + job.millisPerTarget;
    let slowestMs = 0;
    let iteration = 0;
    for (; Date.now() < deadline || iteration < Math.max(job.minIterations, inputs.seeds.length); iteration++) {
      const { input, context } = makeInput(name, inputs, job.seed, iteration);
      running[1] = position;
      running[2] = iteration;
      since[0] = Date.now();
      Atomics.store(running, 0, 1);
      try {
        await target.run(input, context, iteration);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        post({ kind: "failure", target: name, iteration, message });
      }
      Atomics.store(running, 0, 0);
      slowestMs = Math.max(slowestMs, Date.now() - (since[0] ?? 0));
    }
    post({ kind: "progress", target: name, iterations: iteration, slowestMs, seeds: inputs.seeds.length });
  }
  post({ kind: "done" });
}
