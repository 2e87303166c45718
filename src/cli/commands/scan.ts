import { writeFile } from "node:fs/promises";
import { diskLayerCache } from "../../cache/layer-cache.ts";
import { defaultLayerCacheBytes, defaultLayerCacheDir } from "../../cache/location.ts";
import { InputError } from "../../errors.ts";
import { type SeverityRating, severityRatings } from "../../model/finding.ts";
import type { Inventory } from "../../model/inventory.ts";
import type { ScanReport } from "../../model/report.ts";
import { matchInventory } from "../../match/match-inventory.ts";
import { prepareDatabase } from "../../vulndb/freshness.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";
import { osvBaseUrl } from "../../vulndb/update.ts";
import { isReportFormat, reportFormats } from "../../report/index.ts";
import { scanImage } from "../../scan.ts";
import { openSource } from "../../source/open.ts";
import { readCliCredential } from "../../source/registry/cli-credential.ts";
import { runtimeOptionsFrom } from "../../source/runtime/options.ts";
import { applyIgnores, type IgnoreRule, readIgnoreFile } from "../../match/ignore-file.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";
import { layerProgress } from "../progress.ts";

export interface ScanCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  quiet?: true;
  verifyDigests: boolean;
  db?: string;
  cacheDir?: string;
  cache: boolean;
  vulns: boolean;
  offline?: true;
  ignoreFile?: string;
  namespace?: string;
  containerdRoot?: string;
  storageRoot?: string;
  dbUrl?: string;
  username?: string;
  passwordStdin?: true;
  insecure?: true;
  detection?: string;
  failOn?: string;
}

export async function runScan(reference: string, options: ScanCommandOptions): Promise<number> {
  try {
    const gate = parseGate(options);
    // A bad ignore file fails before the scan.
    const ignoreRules = options.ignoreFile === undefined ? [] : await readIgnoreFile(options.ignoreFile);
    if (!isReportFormat(options.format)) {
      throw new InputError(`unknown format "${options.format}"; use one of: ${Object.keys(reportFormats).join(", ")}`);
    }
    const render = reportFormats[options.format];
    const credential = await readCliCredential(options.username, options.passwordStdin === true, process.stdin);
    const source = await openSource(reference, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(credential ? { credential } : {}),
      ...(options.insecure ? { insecure: true } : {}),
      runtime: runtimeOptionsFrom(options),
    });
    const progress = layerProgress(!options.quiet);
    let inventory: Inventory;
    try {
      inventory = await scanImage(source, {
        verifyDigests: options.verifyDigests,
        ...(options.cache
          ? {
              layerCache: diskLayerCache(options.cacheDir ?? defaultLayerCacheDir(process.env), defaultLayerCacheBytes),
            }
          : {}),
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
    } finally {
      progress.stop();
      await source.close();
    }
    const report = options.vulns ? await withFindings(inventory, options, gate, ignoreRules) : inventory;
    const rendered = render(report);
    if (options.output) await writeFile(options.output, rendered);
    else process.stdout.write(rendered);
    if (!options.quiet) printIssues(inventory);
    if (gate.failOn && failsGate(report, gate.failOn)) return exitCodes.policy;
    return inventory.issues.some((issue) => issue.scope === "layer" && issue.severity === "error")
      ? exitCodes.incomplete
      : exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

function printIssues(inventory: Inventory): void {
  for (const issue of inventory.issues) {
    const where = [issue.path, issue.layer ? `layer ${issue.layer.index}` : undefined].filter(Boolean).join(", ");
    process.stderr.write(`strata: ${issue.severity}: ${issue.message}${where ? ` (${where})` : ""}\n`);
  }
}

interface Gate {
  detection?: "os" | "sca";
  failOn?: SeverityRating;
}

const gateSeverities: readonly SeverityRating[] = ["low", "medium", "high", "critical"];

function parseGate(options: ScanCommandOptions): Gate {
  const gate: Gate = {};
  if (options.detection !== undefined) {
    if (options.detection !== "os" && options.detection !== "sca") {
      throw new InputError(`unknown detection type "${options.detection}"; use os or sca`);
    }
    gate.detection = options.detection;
  }
  if (options.failOn !== undefined) {
    const rating = gateSeverities.find((candidate) => candidate === options.failOn?.toLowerCase());
    if (!rating) throw new InputError(`unknown severity "${options.failOn}"; use one of: ${gateSeverities.join(", ")}`);
    gate.failOn = rating;
  }
  return gate;
}

async function withFindings(
  inventory: Inventory,
  options: ScanCommandOptions,
  gate: Gate,
  ignoreRules: readonly IgnoreRule[],
): Promise<ScanReport> {
  const path = options.db ?? defaultDatabasePath(process.env);
  const say = (line: string): void => {
    if (!options.quiet) process.stderr.write(`strata: ${line}\n`);
  };
  const prepared = await prepareDatabase({
    dbPath: path,
    inventory,
    offline: options.offline === true,
    now: new Date(),
    baseUrl: osvBaseUrl(options.dbUrl, process.env),
    log: say,
  });
  for (const warning of prepared.warnings) say(`warning: ${warning}`);
  const report = prepared.usable ? matchInventory(inventory, path) : undefined;
  if (!report?.vulnerabilities) {
    say(
      `warning: no advisory database at ${path}; packages were not checked (get one with: strata db update --ecosystem <name>, or strata db import <osv zips>)`,
    );
    return inventory;
  }
  if (gate.detection) {
    report.vulnerabilities.findings = report.vulnerabilities.findings.filter(
      (finding) => finding.detection === gate.detection,
    );
  }
  if (ignoreRules.length > 0) {
    const outcome = applyIgnores(report.vulnerabilities.findings, ignoreRules, new Date());
    report.vulnerabilities.findings = outcome.kept;
    for (const warning of outcome.warnings) say(`warning: ${warning}`);
    if (outcome.ignored.length > 0) {
      say(`${outcome.ignored.length} accepted finding(s) left out (${options.ignoreFile ?? ""})`);
    }
  }
  return report;
}

function failsGate(report: ScanReport, threshold: SeverityRating): boolean {
  const limit = severityRatings.indexOf(threshold);
  return (report.vulnerabilities?.findings ?? []).some(
    (finding) => severityRatings.indexOf(finding.severity.rating) <= limit,
  );
}
