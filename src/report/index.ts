import type { ScanReport } from "../model/report.ts";

type Render = (report: ScanReport) => string;

/** Each format's renderer, imported only when asked for: some pull in schema libraries that take long to load. */
const loaders = {
  table: async () => (await import("./table.ts")).renderTable,
  json: async () => (await import("./json.ts")).renderJson,
  "cyclonedx-json": async () => (await import("./cyclonedx.ts")).renderCycloneDx,
  "spdx-json": async () => (await import("./spdx.ts")).renderSpdx,
  sarif: async () => (await import("./sarif.ts")).renderSarif,
} as const satisfies Record<string, () => Promise<Render>>;

export type ReportFormat = keyof typeof loaders;

export const reportFormatNames = Object.keys(loaders) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(loaders, name);
}

export function loadRenderer(format: ReportFormat): Promise<Render> {
  return loaders[format]();
}
