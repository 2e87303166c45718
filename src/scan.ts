import { imageCacheKey } from "./cache/image-key.ts";
import type { ImageResult } from "./cache/image-result.ts";
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
import { emptyChanges, type LayerChanges, type LayerProblem } from "./image/layer-changes.ts";
import { RangeDigester } from "./image/range-digest.ts";
import type { LayerWalk } from "./image/walk-layer.ts";
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
 * image source → layers → file view → catalogers → package inventory. Each layer is read once; the next
 * layer is read while the current one is merged and parsed. With a cache, an image seen before in the same
 * files is not read at all, and layers seen before (in any image) are not read again.
 */
export async function scanImage(source: ImageSource, options: ScanOptions = {}): Promise<Inventory> {
  const catalogers = options.catalogers ?? registeredCatalogers;
  const ownerships = options.fileOwnerships ?? registeredOwnerships;
  const limits = options.limits ?? defaultLimits;
  const now = options.now ?? new Date();
  const configuration = cacheConfiguration(catalogers, ownerships, limits);
  const cache = options.layerCache;
  const imageKey = cache?.getImage
    ? await imageCacheKey(source, { configuration, verifyDigests: options.verifyDigests ?? true }, now)
    : undefined;
  const cached = imageKey ? await cache?.getImage?.(imageKey.key) : undefined;
  if (cached) {
    for (const layer of source.layers) {
      options.onProgress?.({ kind: "layer-cached", layer });
      options.onProgress?.({ kind: "layer-done", layer });
    }
    return inventoryOf(source, now, cached);
  }
  const digester = new RangeDigester();
  let result: ImageResult;
  try {
    const setup = {
      catalogers,
      executableSections: executableSections(catalogers, ownerships),
      ownerships,
      limits,
      configuration,
      digester,
    };
    result = await scanLayers(source, setup, options);
  } finally {
    await digester.close();
  }
  if (imageKey && !imageKey.racy && !result.issues.some((issue) => issue.severity === "error")) {
    await cache?.putImage?.(imageKey.key, result).catch(() => undefined);
  }
  return inventoryOf(source, now, result);
}

function inventoryOf(source: ImageSource, now: Date, result: ImageResult): Inventory {
  return {
    schemaVersion: inventorySchemaVersion,
    scanner: { name: "strata", version: strataVersion },
    scannedAt: now.toISOString(),
    image: source.description,
    ...(result.distro ? { distro: result.distro } : {}),
    layers: [...source.layers],
    packages: result.packages,
    issues: result.issues,
  };
}

interface ScanSetup {
  catalogers: readonly Cataloger[];
  executableSections: readonly string[] | undefined;
  ownerships: readonly FileOwnership[];
  limits: ScanLimits;
  configuration: string;
  digester: RangeDigester;
}

interface WalkedLayer extends LayerWalk {
  /**
   * The blob is checked against its digest (as it was read, or in `verdict`), or no check was possible (a
   * directory, a digest other than sha256): a scan that checks digests could not have done better.
   */
  checked: boolean;
}

/** What the merge loop takes: the changes now; the digest verdict (and the layer's cache entry) later. */
interface LayerRead {
  changes: LayerChanges;
  settled: Promise<LayerProblem | undefined>;
}

const noProblem: Promise<LayerProblem | undefined> = Promise.resolve(undefined);

const layersReadTogether = 3;

async function scanLayers(source: ImageSource, setup: ScanSetup, options: ScanOptions): Promise<ImageResult> {
  const { catalogers, ownerships, limits, configuration } = setup;
  const matcher = new InterestMatcher<Owner>([
    ...interestsOf(catalogers),
    ...ownerships.map((ownership) => ({ owner: "ownership" as const, interest: ownership.wants })),
  ]);
  const view = new ImageView(limits.maxSymlinkHops);
  const tracker = new PackageTracker();
  const issues: ScanIssue[] = [];
  let distro: Distro | undefined;

  const cache = options.layerCache;
  const walk = (layer: Layer): Promise<WalkedLayer> =>
    walkLayer(source, layer, matcher, setup, options).catch((error: unknown) => {
      const failed = emptyChanges();
      failed.complete = false;
      failed.issues.push({ severity: "error", message: errorMessage(error) });
      return { changes: failed, checked: false, verdict: noProblem };
    });
  const readLayer = async (layer: Layer): Promise<LayerRead> => {
    if (!cache || layer.diffId === "" || layer.digest === "") {
      const { changes, verdict } = await walk(layer);
      return { changes, settled: verdict };
    }
    // A walk that checked the blob's digest is stored apart, so a scan that checks digests never takes the
    // word of one that did not.
    const checkedKey = layerCacheKey(layer, `${configuration}\0digest checked`);
    const uncheckedKey = layerCacheKey(layer, configuration);
    const mustCheck = (options.verifyDigests ?? true) && layer.digest.startsWith("sha256:");
    const cached = (await cache.get(checkedKey)) ?? (mustCheck ? undefined : await cache.get(uncheckedKey));
    if (cached) {
      options.onProgress?.({ kind: "layer-cached", layer });
      return { changes: cached, settled: noProblem };
    }
    const { changes, checked, verdict } = await walk(layer);
    const settled = verdict.then(async (problem) => {
      if (problem === undefined && changes.complete && !changes.issues.some((issue) => issue.severity === "error")) {
        await cache.put(checked ? checkedKey : uncheckedKey, changes).catch(() => undefined);
      }
      return problem;
    });
    return { changes, settled };
  };

  const layers = source.layers;
  const verdicts: Promise<ScanIssue | undefined>[] = [];
  // Layers are read side by side (compressed ones inflate on the thread pool), and merged in order.
  const reads = new Map<number, Promise<LayerRead>>();
  for (const [index, layer] of layers.entries()) {
    for (let next = index; next < Math.min(layers.length, index + layersReadTogether); next++) {
      const upcoming = layers[next];
      if (upcoming && !reads.has(next)) {
        const read = readLayer(upcoming);
        // Awaited in its turn; until then a failure must not count as unhandled.
        read.catch(() => undefined);
        reads.set(next, read);
      }
    }
    const { changes, settled } = await (reads.get(index) ?? readLayer(layer));
    reads.delete(index);

    const ref = layerRef(layer);
    verdicts.push(
      settled.then((problem) =>
        problem === undefined
          ? undefined
          : {
              severity: problem.severity,
              scope: "layer",
              message: `layer ${layer.index}: ${problem.message}`,
              layer: ref,
            },
      ),
    );
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

  // Digest checks that finished after their layers were merged report here.
  for (const issue of await Promise.all(verdicts)) if (issue) issues.push(issue);
  const packages = tracker.packages();
  for (const ownership of ownerships) markOwnedPackages(packages, ownership.owners(view, packages));
  return { ...(distro ? { distro } : {}), packages, issues };
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
  setup: ScanSetup,
  options: ScanOptions,
): Promise<WalkedLayer> {
  const { limits, digester, executableSections } = setup;
  options.onProgress?.({ kind: "layer-start", layer });
  const content = await source.openLayer(layer.index);
  // Loaded here, not up front: an image answered by the image cache never needs the tar, zstd and ELF code.
  const { walkLayerContent } = await import("./image/walk-layer.ts");
  const checkable = content.kind === "tar" && layer.digest.startsWith("sha256:");
  const verify = checkable && (options.verifyDigests ?? true);
  const walked = await walkLayerContent(content, {
    matcher,
    maxFileBytes: limits.maxFileBytes,
    maxLayerKeptBytes: limits.maxLayerKeptBytes,
    onFile: eagerParser(layer, limits),
    ...(verify ? { expectedDigest: layer.digest } : {}),
    onBytes: (bytes) => options.onProgress?.({ kind: "layer-bytes", layer, bytes }),
    digester,
    ...(executableSections ? { executableSections } : {}),
  });
  return { ...walked, checked: verify || !checkable };
}

/** Every ELF section some interested cataloger reads; undefined when one of them reads executables whole. */
function executableSections(
  catalogers: readonly Cataloger[],
  ownerships: readonly FileOwnership[],
): readonly string[] | undefined {
  if (ownerships.some((ownership) => ownership.wants.executables === true)) return undefined;
  const sections: string[] = [];
  for (const cataloger of catalogers) {
    if (cataloger.wants.executables !== true) continue;
    if (cataloger.wants.elfSections === undefined) return undefined;
    sections.push(...cataloger.wants.elfSections);
  }
  return sections;
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
