/**
 * CI mode: scan one image, judge it locally against --fail-on (with the advisory database, as `strata scan`
 * does), queue its inventory and try to deliver it before --flush-timeout.
 */
import { errorMessage, InputError } from "../errors.ts";
import { readIgnoreFile } from "../match/ignore-file.ts";
import { severityRatings } from "../model/finding.ts";
import { parseGate, withFindings } from "../cli/commands/findings.ts";
import type { RegistrySourceOptions } from "../source/registry/registry-source.ts";
import type { SensorContext } from "./context.ts";
import { queueScanned, scanWithCache } from "./scan-and-queue.ts";

export interface CiOutcome {
  /** The backend has the inventory (it is neither still queued nor rejected). */
  delivered: boolean;
  policyFailed: boolean;
  /** A layer could not be read in full. */
  incomplete: boolean;
  /** Scan abandoned on a signal. */
  stopped: boolean;
}

/** Findings at or above the threshold that are logged one by one; the rest are only counted. */
const maxLoggedFindings = 50;

export async function runCi(context: SensorContext, source: RegistrySourceOptions): Promise<CiOutcome> {
  const { config, log } = context;
  const reference = config.image;
  if (reference === undefined) throw new InputError("--mode ci needs --image");
  const gate = parseGate(undefined, config.failOn);
  const ignoreRules = config.ignoreFile === undefined ? [] : await readIgnoreFile(config.ignoreFile);
  const started = Date.now();
  log.info({ event: "scanning", reference }, "scanning image");
  const inventory = await scanWithCache(context, reference, source);
  if (inventory === undefined) {
    log.info({ event: "scan-abandoned", reference }, "stopping: scan abandoned");
    return { delivered: false, policyFailed: false, incomplete: false, stopped: true };
  }
  const id = inventory.image.configDigest ?? inventory.image.manifestDigest ?? "";
  const entry = await queueScanned(context, inventory, { reference, id }, started);
  log.info({ event: "queued", reference, id, entry: entry.name, bytes: entry.size }, "queued inventory");

  let policyFailed = false;
  if (gate.failOn !== undefined) {
    const threshold = gate.failOn;
    const report = await withFindings(
      inventory,
      {
        ...(config.db === undefined ? {} : { db: config.db }),
        offline: config.offline,
        ...(config.ignoreFile === undefined ? {} : { ignoreFile: config.ignoreFile }),
        ignoreRules,
      },
      gate,
      (line) => {
        log.info({ event: "advisories" }, line);
      },
    );
    const limit = severityRatings.indexOf(threshold);
    const failing = (report.vulnerabilities?.findings ?? []).filter(
      (finding) => severityRatings.indexOf(finding.severity.rating) <= limit,
    );
    for (const finding of failing.slice(0, maxLoggedFindings)) {
      log.warn(
        {
          event: "finding",
          reference,
          vulnerability: finding.id,
          severity: finding.severity.rating,
          package: finding.packageName,
          version: finding.installedVersion,
          fixedIn: finding.fixedVersions,
          layer: finding.layer.index,
        },
        "finding at or above --fail-on",
      );
    }
    policyFailed = failing.length > 0;
    log.info(
      {
        event: "policy",
        reference,
        failOn: threshold,
        findings: report.vulnerabilities?.findings.length ?? 0,
        failing: failing.length,
        passed: !policyFailed,
      },
      policyFailed ? `findings at or above ${threshold}: the policy fails` : `no finding at or above ${threshold}`,
    );
  }

  try {
    await context.drainer.flush(config.flushTimeout, context.signal);
  } catch (error) {
    log.error({ event: "flush-failed", error: errorMessage(error) }, "could not deliver the queued inventory");
  }
  const waiting = (await context.queue.entries()).some((queued) => queued.name === entry.name);
  const rejected = (await context.queue.rejected()).some((refused) => refused.name === entry.name);
  if (waiting) {
    log.error(
      { event: "undelivered", reference, id, entry: entry.name, queue: context.queue.dir },
      `the inventory could not be delivered within ${config.flushTimeout / 1000} s; it stays queued`,
    );
  }
  const incomplete = inventory.issues.some((issue) => issue.scope === "layer" && issue.severity === "error");
  return { delivered: !waiting && !rejected, policyFailed, incomplete, stopped: false };
}
