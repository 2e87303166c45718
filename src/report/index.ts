import type { ScanReport } from "../model/report.ts";
import { renderCycloneDx } from "./cyclonedx.ts";
import { renderJson } from "./json.ts";
import { renderSarif } from "./sarif.ts";
import { renderSpdx } from "./spdx.ts";
import { renderTable } from "./table.ts";

export const reportFormats = {
  table: renderTable,
  json: renderJson,
  "cyclonedx-json": renderCycloneDx,
  "spdx-json": renderSpdx,
  sarif: renderSarif,
} as const satisfies Record<string, (report: ScanReport) => string>;

export type ReportFormat = keyof typeof reportFormats;

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reportFormats, name);
}
