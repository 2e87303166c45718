import { writeFile } from "node:fs/promises";
import { diskLayerCache } from "../../cache/layer-cache.ts";
import { defaultLayerCacheBytes, defaultLayerCacheDir } from "../../cache/location.ts";
import { InputError, SourceError } from "../../errors.ts";
import type { Inventory } from "../../model/inventory.ts";
import { isReportFormat, loadRenderer, reportFormatNames } from "../../report/index.ts";
import { scanImage } from "../../scan.ts";
import { openSource } from "../../source/open.ts";
import { readCliCredential } from "../../source/registry/cli-credential.ts";
import { runtimeOptionsFrom } from "../../source/runtime/options.ts";
import type { UploadTarget } from "../../upload/upload.ts";
import { exitCodeFor, exitCodes, printError } from "../exit.ts";
import { layerProgress } from "../progress.ts";
import { failsGate, parseGate, withFindings } from "./findings.ts";

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
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  certsDir?: string;
  detection?: string;
  failOn?: string;
  /** The backend to upload the inventory to. */
  upload?: string;
  /** Its token; default $STRATA_TOKEN. */
  token?: string;
}

export async function runScan(reference: string, options: ScanCommandOptions): Promise<number> {
  try {
    const gate = parseGate(options.detection, options.failOn);
    const target = await uploadTarget(options);
    // A bad ignore file fails before the scan.
    const ignoreRules =
      options.ignoreFile === undefined
        ? []
        : await (await import("../../match/ignore-file.ts")).readIgnoreFile(options.ignoreFile);
    if (!isReportFormat(options.format)) {
      throw new InputError(`unknown format "${options.format}"; use one of: ${reportFormatNames.join(", ")}`);
    }
    const render = await loadRenderer(options.format);
    const credential = await readCliCredential(options.username, options.passwordStdin === true, process.stdin);
    const source = await openSource(reference, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(credential ? { credential } : {}),
      ...(options.insecure ? { insecure: true } : {}),
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.certFile === undefined ? {} : { certFile: options.certFile }),
      ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
      ...(options.certsDir === undefined ? {} : { certsDir: options.certsDir }),
      runtime: runtimeOptionsFrom(options),
    });
    let inventory: Inventory;
    let progress: Awaited<ReturnType<typeof layerProgress>> | undefined;
    try {
      progress = await layerProgress(!options.quiet);
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
      progress?.stop();
      await source.close();
    }
    const say = (line: string): void => {
      if (!options.quiet) process.stderr.write(`strata: ${line}\n`);
    };
    const report = options.vulns
      ? await withFindings(
          inventory,
          {
            ...(options.db === undefined ? {} : { db: options.db }),
            offline: options.offline === true,
            ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
            ...(options.ignoreFile === undefined ? {} : { ignoreFile: options.ignoreFile }),
            ignoreRules,
          },
          gate,
          say,
        )
      : inventory;
    const rendered = render(report);
    if (options.output) await writeFile(options.output, rendered);
    else process.stdout.write(rendered);
    if (!options.quiet) printIssues(inventory);
    if (target && !(await upload(target, inventory, say))) return exitCodes.upload;
    if (gate.failOn && failsGate(report, gate.failOn)) return exitCodes.policy;
    return inventory.issues.some((issue) => issue.scope === "layer" && issue.severity === "error")
      ? exitCodes.incomplete
      : exitCodes.ok;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

/** --upload and --token (or $STRATA_TOKEN), checked before anything is scanned. */
async function uploadTarget(options: ScanCommandOptions): Promise<UploadTarget | undefined> {
  if (options.upload === undefined) {
    if (options.token !== undefined) throw new InputError("--token is only for --upload");
    return undefined;
  }
  const target = { url: options.upload, token: options.token ?? process.env["STRATA_TOKEN"] ?? "" };
  (await import("../../upload/upload.ts")).uploadEndpoint(target);
  return target;
}

/** Sends the inventory (never the findings: the backend computes its own); false when it did not arrive. */
async function upload(target: UploadTarget, inventory: Inventory, say: (line: string) => void): Promise<boolean> {
  try {
    const { uploadInventory } = await import("../../upload/upload.ts");
    const receipt = await uploadInventory(target, inventory);
    say(
      `uploaded to ${target.url}: image ${receipt.id} ${receipt.created ? "added" : "updated"}, ${receipt.packages} packages, ${receipt.findings} findings on the server`,
    );
    return true;
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    process.stderr.write(`strata: upload failed, the report was written but not uploaded: ${error.message}\n`);
    return false;
  }
}

function printIssues(inventory: Inventory): void {
  for (const issue of inventory.issues) {
    const where = [issue.path, issue.layer ? `layer ${issue.layer.index}` : undefined].filter(Boolean).join(", ");
    process.stderr.write(`strata: ${issue.severity}: ${issue.message}${where ? ` (${where})` : ""}\n`);
  }
}
