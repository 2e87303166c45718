import { writeFile } from "node:fs/promises";
import { InputError } from "../../errors.ts";
import type { Inventory } from "../../model/inventory.ts";
import { isReportFormat, reportFormats } from "../../report/index.ts";
import { scanImage } from "../../scan.ts";
import { openSource } from "../../source/open.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";
import { layerProgress } from "../progress.ts";

export interface ScanCommandOptions {
  format: string;
  output?: string;
  platform?: string;
  quiet?: true;
  verifyDigests: boolean;
}

export async function runScan(reference: string, options: ScanCommandOptions): Promise<number> {
  try {
    if (!isReportFormat(options.format)) {
      throw new InputError(`unknown format "${options.format}"; use one of: ${Object.keys(reportFormats).join(", ")}`);
    }
    const render = reportFormats[options.format];
    const source = await openSource(reference, options.platform ? { platform: options.platform } : {});
    const progress = layerProgress(!options.quiet);
    let inventory: Inventory;
    try {
      inventory = await scanImage(source, {
        verifyDigests: options.verifyDigests,
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
    } finally {
      progress.stop();
      await source.close();
    }
    const report = render(inventory);
    if (options.output) await writeFile(options.output, report);
    else process.stdout.write(report);
    if (!options.quiet) printIssues(inventory);
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
