import type { LayerRef } from "./layer.ts";

/** A problem that did not stop the scan: what was skipped and why. */
export interface ScanIssue {
  severity: "warning" | "error";
  /** What was affected: "layer", "file", "image". */
  scope: "image" | "layer" | "file";
  message: string;
  path?: string;
  layer?: LayerRef;
  cataloger?: string;
}
