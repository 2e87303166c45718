import type { ParseResult } from "../catalog/cataloger.ts";
import type { EagerResult, LayerChanges, LayerProblem } from "../image/layer-changes.ts";

const formatVersion = 2;

interface Stored {
  format: number;
  files: [string, string][];
  parsed: [string, EagerResult[]][];
  symlinks: [string, string][];
  removed: string[];
  opaqueDirs: string[];
  dropped: string[];
  issues: LayerProblem[];
  entries: number;
  bytes: number;
}

/** A layer's walk result as bytes (file contents in base64). Only complete walks are worth storing. */
export function serializeChanges(changes: LayerChanges): Buffer {
  const stored: Stored = {
    format: formatVersion,
    files: [...changes.files].map(([path, content]) => [path, content.toString("base64")]),
    parsed: [...changes.parsed],
    symlinks: [...changes.symlinks],
    removed: changes.removed,
    opaqueDirs: changes.opaqueDirs,
    dropped: changes.dropped,
    issues: changes.issues,
    entries: changes.entries,
    bytes: changes.bytes,
  };
  return Buffer.from(JSON.stringify(stored));
}

/** Reads what serializeChanges wrote; throws on anything else (the cache then treats it as a miss). */
export function deserializeChanges(bytes: Buffer): LayerChanges {
  const stored = JSON.parse(bytes.toString("utf8")) as Partial<Stored>;
  if (stored.format !== formatVersion || !Array.isArray(stored.files) || !Array.isArray(stored.parsed)) {
    throw new Error("not a layer cache entry of this version");
  }
  return {
    files: new Map(stored.files.map(([path, content]) => [path, Buffer.from(content, "base64")])),
    parsed: new Map(stored.parsed.map(([path, results]) => [path, results.map(reviveResult)])),
    symlinks: new Map(stored.symlinks ?? []),
    removed: stored.removed ?? [],
    opaqueDirs: stored.opaqueDirs ?? [],
    dropped: stored.dropped ?? [],
    issues: stored.issues ?? [],
    complete: true,
    entries: stored.entries ?? 0,
    bytes: stored.bytes ?? 0,
  };
}

function reviveResult(result: EagerResult): EagerResult {
  const parsed: ParseResult = result.result;
  return { cataloger: result.cataloger, result: parsed };
}
