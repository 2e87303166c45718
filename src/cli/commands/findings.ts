/** Findings for a scanned inventory, and the `--fail-on` gate: shared by `strata scan` and `strata sensor --mode ci`. */
import { InputError } from "../../errors.ts";
import { type SeverityRating, severityRatings } from "../../model/finding.ts";
import type { Inventory } from "../../model/inventory.ts";
import type { ScanReport } from "../../model/report.ts";
import type { IgnoreRule } from "../../match/ignore-file.ts";
import { defaultDatabasePath } from "../../vulndb/location.ts";

export interface Gate {
  detection?: "os" | "sca";
  failOn?: SeverityRating;
}

const gateSeverities: readonly SeverityRating[] = ["low", "medium", "high", "critical"];

/** `--detection` and `--fail-on`, checked. */
export function parseGate(detection: string | undefined, failOn: string | undefined): Gate {
  const gate: Gate = {};
  if (detection !== undefined) {
    if (detection !== "os" && detection !== "sca") {
      throw new InputError(`unknown detection type "${detection}"; use os or sca`);
    }
    gate.detection = detection;
  }
  if (failOn !== undefined) {
    const rating = gateSeverities.find((candidate) => candidate === failOn.toLowerCase());
    if (!rating) throw new InputError(`unknown severity "${failOn}"; use one of: ${gateSeverities.join(", ")}`);
    gate.failOn = rating;
  }
  return gate;
}

export interface FindingsSettings {
  /** The advisory database; default $XDG_CACHE_HOME/strata/osv.sqlite. */
  db?: string;
  offline: boolean;
  dbUrl?: string;
  ignoreFile?: string;
  ignoreRules: readonly IgnoreRule[];
}

/**
 * The inventory with its findings, after updating a stale advisory database unless offline. Without a usable
 * database, the inventory comes back as it is, with a warning.
 */
export async function withFindings(
  inventory: Inventory,
  settings: FindingsSettings,
  gate: Gate,
  say: (line: string) => void,
): Promise<ScanReport> {
  // Imported here so that an inventory-only scan never loads the matcher, SQLite or the download client.
  const [{ prepareDatabase }, { osvBaseUrl }, { matchInventory }] = await Promise.all([
    import("../../vulndb/freshness.ts"),
    import("../../vulndb/update.ts"),
    import("../../match/match-inventory.ts"),
  ]);
  const path = settings.db ?? defaultDatabasePath(process.env);
  const prepared = await prepareDatabase({
    dbPath: path,
    inventory,
    offline: settings.offline,
    now: new Date(),
    baseUrl: osvBaseUrl(settings.dbUrl, process.env),
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
  if (settings.ignoreRules.length > 0) {
    const { applyIgnores } = await import("../../match/ignore-file.ts");
    const outcome = applyIgnores(report.vulnerabilities.findings, settings.ignoreRules, new Date());
    report.vulnerabilities.findings = outcome.kept;
    for (const warning of outcome.warnings) say(`warning: ${warning}`);
    if (outcome.ignored.length > 0) {
      say(`${outcome.ignored.length} accepted finding(s) left out (${settings.ignoreFile ?? ""})`);
    }
  }
  return report;
}

/** Whether a finding is at least as severe as the threshold. */
export function failsGate(report: ScanReport, threshold: SeverityRating): boolean {
  const limit = severityRatings.indexOf(threshold);
  return (report.vulnerabilities?.findings ?? []).some(
    (finding) => severityRatings.indexOf(finding.severity.rating) <= limit,
  );
}
