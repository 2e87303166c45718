import type { RuntimeOptions } from "../source/runtime/options.ts";
import type { UploadQueue } from "../upload/queue.ts";
import type { SensorConfig } from "./config.ts";
import type { Drainer } from "./drainer.ts";
import type { SensorLogger } from "./log.ts";

/** What every sensor mode works with. */
export interface SensorContext {
  config: SensorConfig;
  log: SensorLogger;
  queue: UploadQueue;
  drainer: Drainer;
  /** Aborts on SIGTERM or SIGINT. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Where the host runtimes keep their images (from the settings). */
  runtime: RuntimeOptions;
}
