import type { ScanReport } from "../model/report.ts";
import { renderJson } from "./json.ts";
import { renderTable } from "./table.ts";

export const reportFormats = {
  table: renderTable,
  json: renderJson,
} as const satisfies Record<string, (report: ScanReport) => string>;

export type ReportFormat = keyof typeof reportFormats;

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reportFormats, name);
}
