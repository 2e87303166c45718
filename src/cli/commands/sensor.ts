import { errorMessage, InputError, LimitError, SourceError } from "../../errors.ts";
import { loadSensorConfig, type SensorFlags } from "../../sensor/config.ts";
import { type SensorLogger, sensorLogger } from "../../sensor/log.ts";
import { runSensor } from "../../sensor/run.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";

/** How long a stopping sensor may take before it is ended anyway (the queue is on disk either way). */
const stopGraceMs = 30_000;

/** `strata sensor`: the options as commander gives them, every one optional (the config file and environment fill in). */
export async function runSensorCommand(flags: SensorFlags): Promise<number> {
  let log: SensorLogger | undefined;
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log?.warn({ event: "killed", signal }, "stopping at once");
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    log?.info({ event: "stopping", signal }, "stopping: finishing or abandoning the current scan; the queue is kept");
    controller.abort();
    setTimeout(() => process.exit(signal === "SIGINT" ? 130 : 143), stopGraceMs).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  try {
    const config = await loadSensorConfig({ flags, env: process.env });
    log = sensorLogger(config.logLevel);
    const outcome = await runSensor(config, { log, signal: controller.signal, env: process.env });
    if (outcome.undelivered > 0) return exitCodes.upload;
    if (outcome.policyFailed) return exitCodes.policy;
    return outcome.incomplete ? exitCodes.incomplete : exitCodes.ok;
  } catch (error) {
    if (log === undefined) printError(error);
    else {
      const expected = error instanceof InputError || error instanceof SourceError || error instanceof LimitError;
      const stack = !expected && error instanceof Error ? error.stack : undefined;
      log.fatal(
        { event: "failed", error: errorMessage(error), ...(stack === undefined ? {} : { stack }) },
        expected ? "the sensor stopped on an error" : "the sensor stopped on an internal error; please report it",
      );
    }
    return exitCodeFor(error);
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}
