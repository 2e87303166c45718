import { type LayerCache, layerCacheKey } from "./cache/layer-cache.ts";
import type { Cataloger, FileView, ParseResult } from "./catalog/cataloger.ts";
import { recordResult, runCataloger } from "./catalog/run-catalogers.ts";
import { PackageTracker } from "./catalog/package-tracker.ts";
import { type FileOwnership, markOwnedPackages } from "./catalog/ownership.ts";
import { fileOwnerships as registeredOwnerships, catalogers as registeredCatalogers } from "./catalog/registry.ts";
import { detectDistro, distroInterest } from "./distro/detect.ts";
import { errorMessage } from "./errors.ts";
import { ImageView } from "./image/image-view.ts";
import { InterestMatcher } from "./image/interest.ts";
import type { OnFile } from "./image/keep-file.ts";
import { emptyChanges, type LayerChanges } from "./image/layer-changes.ts";
import { walkDirectory } from "./image/walk-directory.ts";
import { walkTarLayer } from "./image/walk-tar.ts";
import { defaultLimits, type ScanLimits } from "./limits.ts";
import type { Distro } from "./model/distro.ts";
import { type Inventory, inventorySchemaVersion } from "./model/inventory.ts";
import type { ScanIssue } from "./model/issue.ts";
import { type Layer, layerRef } from "./model/layer.ts";
import type { ImageSource } from "./source/types.ts";
import { strataVersion } from "./version.ts";

export type ScanProgress =
  | { kind: "layer-start"; layer: Layer }
  | { kind: "layer-bytes"; layer: Layer; bytes: number }
  | { kind: "layer-cached"; layer: Layer }
  | { kind: "layer-done"; layer: Layer };

export interface ScanOptions {
  catalogers?: readonly Cataloger[];
  /** Which OS package managers' file lists mark language packages as OS-owned (default: all). */
  fileOwnerships?: readonly FileOwnership[];
  limits?: ScanLimits;
  /** Check each layer blob against its digest while streaming (default true). */
  verifyDigests?: boolean;
  onProgress?: (event: ScanProgress) => void;
  /** Per-layer results from earlier scans, keyed by layer digest and cataloger versions. */
  layerCache?: LayerCache;
  /** Fixed scan time, for reproducible output in tests. */
  now?: Date;
}

type Owner = { cataloger: Cataloger; role: "primary" | "context" } | "distro" | "ownership";

/**
 * image source → layers → file view → catalogers → package inventory. Each layer is streamed once;
 * the next layer is read while the current one is merged and parsed.
 */
export async function scanImage(source: ImageSource, options: ScanOptions = {}): Promise<Inventory> {
  const catalogers = options.catalogers ?? registeredCatalogers;
  const ownerships = options.fileOwnerships ?? registeredOwnerships;
  const limits = options.limits ?? defaultLimits;
  const matcher = new InterestMatcher<Owner>([
    ...interestsOf(catalogers),
    ...ownerships.map((ownership) => ({ owner: "ownership" as const, interest: ownership.wants })),
  ]);
  const view = new ImageView(limits.maxSymlinkHops);
  const tracker = new PackageTracker();
  const issues: ScanIssue[] = [];
  let distro: Distro | undefined;

  const cache = options.layerCache;
  const configuration = cacheConfiguration(catalogers, ownerships, limits);
  const walk = (layer: Layer): Promise<LayerChanges> =>
    walkLayer(source, layer, matcher, limits, options).catch((error: unknown) => {
      const failed = emptyChanges();
      failed.complete = false;
      failed.issues.push({ severity: "error", message: errorMessage(error) });
      return failed;
    });
  const readLayer = async (layer: Layer): Promise<LayerChanges> => {
    if (!cache || layer.diffId === "" || layer.digest === "") return walk(layer);
    const key = layerCacheKey(layer, configuration);
    const cached = await cache.get(key);
    if (cached) {
      options.onProgress?.({ kind: "layer-cached", layer });
      return cached;
    }
    const changes = await walk(layer);
    if (changes.complete && !changes.issues.some((issue) => issue.severity === "error")) {
      await cache.put(key, changes).catch(() => undefined);
    }
    return changes;
  };

  const layers = source.layers;
  let pending = layers[0] ? readLayer(layers[0]) : undefined;
  for (const [index, layer] of layers.entries()) {
    const changes = await (pending ?? readLayer(layer));
    const nextLayer = layers[index + 1];
    pending = nextLayer ? readLayer(nextLayer) : undefined;

    const ref = layerRef(layer);
    for (const problem of changes.issues) {
      issues.push({
        severity: problem.severity,
        scope: problem.path === undefined ? "layer" : "file",
        message: problem.path === undefined ? `layer ${layer.index}: ${problem.message}` : problem.message,
        ...(problem.path === undefined ? {} : { path: problem.path }),
        layer: ref,
      });
    }
    const changed = view.apply(ref, changes);
    distro = detectDistro(view);
    const runs = new Map<string, { cataloger: Cataloger; path: string }>();
    const reparse = new Set<Cataloger>();
    const context = { distro, view, limits, layer: ref, tracker, issues };
    for (const path of [...changed].sort()) {
      const file = view.file(path);
      if (!file) {
        tracker.removePath(path);
        continue;
      }
      for (const { cataloger, result } of changes.parsed.get(path) ?? []) {
        const eager = catalogers.find((candidate) => candidate.name === cataloger);
        if (eager) recordResult(eager, file, result, context);
      }
      for (const { owner } of matcher.match(path)) {
        if (owner === "distro" || owner === "ownership" || owner.cataloger.eager === true) continue;
        if (owner.role === "context") reparse.add(owner.cataloger);
        else runs.set(`${owner.cataloger.name}\0${path}`, { cataloger: owner.cataloger, path });
      }
    }
    for (const cataloger of reparse) {
      for (const file of view.all()) {
        if (isPrimaryFor(matcher, cataloger, file.path))
          runs.set(`${cataloger.name}\0${file.path}`, { cataloger, path: file.path });
      }
    }
    for (const { cataloger, path } of runs.values()) {
      const file = view.file(path);
      if (file) await runCataloger({ cataloger, file }, context);
    }
    options.onProgress?.({ kind: "layer-done", layer });
  }

  const packages = tracker.packages();
  for (const ownership of ownerships) markOwnedPackages(packages, ownership.owners(view, packages));

  return {
    schemaVersion: inventorySchemaVersion,
    scanner: { name: "strata", version: strataVersion },
    scannedAt: (options.now ?? new Date()).toISOString(),
    image: source.description,
    ...(distro ? { distro } : {}),
    layers: [...layers],
    packages,
    issues,
  };
}

/** Parses a file for the eager catalogers that want it, as it leaves the layer stream. */
function eagerParser(layer: Layer, limits: ScanLimits): OnFile<Owner> {
  const ref = layerRef(layer);
  return async (path, content, wants, changes) => {
    let keepContent = false;
    for (const { owner } of wants) {
      if (owner === "distro" || owner === "ownership" || owner.role === "context" || owner.cataloger.eager !== true) {
        keepContent = true;
        continue;
      }
      const { cataloger } = owner;
      const results = changes.parsed.get(path) ?? [];
      if (results.some((done) => done.cataloger === cataloger.name)) continue;
      let result: ParseResult;
      try {
        result = await cataloger.parse({ path, layer: ref, content }, { distro: undefined, view: emptyView, limits });
      } catch (error) {
        result = { packages: [], issues: [], failure: errorMessage(error) };
      }
      results.push({ cataloger: cataloger.name, result });
      changes.parsed.set(path, results);
    }
    return keepContent;
  };
}

const emptyView: FileView = { get: () => undefined, list: () => [] };

async function walkLayer(
  source: ImageSource,
  layer: Layer,
  matcher: InterestMatcher<Owner>,
  limits: ScanLimits,
  options: ScanOptions,
): Promise<LayerChanges> {
  options.onProgress?.({ kind: "layer-start", layer });
  const content = await source.openLayer(layer.index);
  const onFile = eagerParser(layer, limits);
  if (content.kind === "directory") {
    return walkDirectory(content.root, { matcher, maxFileBytes: limits.maxFileBytes, onFile });
  }
  const verify = (options.verifyDigests ?? true) && layer.digest.startsWith("sha256:");
  return walkTarLayer(content.stream, {
    matcher,
    maxFileBytes: limits.maxFileBytes,
    onFile,
    ...(verify ? { expectedDigest: layer.digest } : {}),
    onBytes: (bytes) => options.onProgress?.({ kind: "layer-bytes", layer, bytes }),
  });
}

/** Everything besides the layer itself that decides what a walk of it yields. */
function cacheConfiguration(
  catalogers: readonly Cataloger[],
  ownerships: readonly FileOwnership[],
  limits: ScanLimits,
): string {
  return JSON.stringify({
    strata: strataVersion,
    catalogers: catalogers.map((cataloger) => [cataloger.name, cataloger.version]),
    ownerships: ownerships.map((ownership) => ownership.name),
    limits,
  });
}

function interestsOf(catalogers: readonly Cataloger[]): { owner: Owner; interest: Cataloger["wants"] }[] {
  const out: { owner: Owner; interest: Cataloger["wants"] }[] = [{ owner: "distro", interest: distroInterest }];
  for (const cataloger of catalogers) {
    const { context, ...primary } = cataloger.wants;
    out.push({ owner: { cataloger, role: "primary" }, interest: primary });
    if (context) out.push({ owner: { cataloger, role: "context" }, interest: context });
  }
  return out;
}

function isPrimaryFor(matcher: InterestMatcher<Owner>, cataloger: Cataloger, path: string): boolean {
  return matcher
    .match(path)
    .some(({ owner }) => typeof owner === "object" && owner.role === "primary" && owner.cataloger === cataloger);
}
