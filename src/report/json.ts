import type { ScanReport } from "../model/report.ts";

/** The report as stable JSON: fixed key order from the model, two-space indent, trailing newline. */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
