import { errorMessage } from "../errors.ts";
import type { ScanLimits } from "../limits.ts";
import type { Distro } from "../model/distro.ts";
import type { ScanIssue } from "../model/issue.ts";
import type { LayerRef } from "../model/layer.ts";
import type { Cataloger, CollectedFile, FileView, ParseResult } from "./cataloger.ts";
import type { PackageTracker } from "./package-tracker.ts";

export interface CatalogerRun {
  cataloger: Cataloger;
  file: CollectedFile;
}

export interface RunContext {
  distro: Distro | undefined;
  view: FileView;
  limits: ScanLimits;
  layer: LayerRef;
  tracker: PackageTracker;
  issues: ScanIssue[];
}

/** Parses one file with one cataloger; a failing parser becomes an issue, never a failed scan. */
export async function runCataloger({ cataloger, file }: CatalogerRun, ctx: RunContext): Promise<void> {
  let result: ParseResult;
  try {
    result = await cataloger.parse(file, { distro: ctx.distro, view: ctx.view, limits: ctx.limits });
  } catch (error) {
    result = { packages: [], issues: [], failure: errorMessage(error) };
  }
  recordResult(cataloger, file, result, ctx);
}

/** Tracks a parse result; a parser that threw loses the file's packages and says so as an error. */
export function recordResult(cataloger: Cataloger, file: CollectedFile, result: ParseResult, ctx: RunContext): void {
  const where = { path: file.path, layer: file.layer, cataloger: cataloger.name };
  if (result.failure !== undefined) {
    ctx.issues.push({ severity: "error", scope: "file", message: `cataloger failed: ${result.failure}`, ...where });
    ctx.tracker.remove(cataloger, file.path);
    return;
  }
  ctx.tracker.update(cataloger, file, result.packages, ctx.layer);
  for (const message of result.issues) ctx.issues.push({ severity: "warning", scope: "file", message, ...where });
}
