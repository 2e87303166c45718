import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

const stabilityOrder: Record<string, number> = { dev: 0, alpha: 1, beta: 2, rc: 3, stable: 4, patch: 5 };
const stabilityAliases: Record<string, string> = { a: "alpha", b: "beta", pl: "patch", p: "patch" };

interface ComposerVersion {
  parts: bigint[];
  stability: number;
  stabilityNumber: bigint;
}

/** Composer's normalised versions: up to four numbers, then a stability flag with an optional number. */
export function parseComposer(version: string): ComposerVersion | undefined {
  const match =
    /^v?(\d+(?:\.\d+){0,3})(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p|dev)(?:[._-]?(\d+))?)?(?:[.-]?dev)?$/i.exec(
      version.trim(),
    );
  if (!match?.[1]) return undefined;
  const parts = match[1].split(".").map((part) => BigInt(part));
  while (parts.length < 4) parts.push(0n);
  const flag = (match[2] ?? "stable").toLowerCase();
  const stability = stabilityOrder[stabilityAliases[flag] ?? flag] ?? stabilityOrder["stable"] ?? 4;
  const dev = /dev$/i.test(version.trim()) && match[2]?.toLowerCase() !== "dev";
  return { parts, stability: dev ? 0 : stability, stabilityNumber: BigInt(match[3] ?? "0") };
}

export function compareComposer(a: string, b: string): number | undefined {
  const x = parseComposer(a);
  const y = parseComposer(b);
  if (!x || !y) return undefined;
  return orderComposer(x, y);
}

function orderComposer(x: ComposerVersion, y: ComposerVersion): number {
  for (let i = 0; i < 4; i++) {
    const order = (x.parts[i] ?? 0n) - (y.parts[i] ?? 0n);
    if (order !== 0n) return order < 0n ? -1 : 1;
  }
  if (x.stability !== y.stability) return x.stability < y.stability ? -1 : 1;
  const order = x.stabilityNumber - y.stabilityNumber;
  return order === 0n ? 0 : order < 0n ? -1 : 1;
}

export const composerScheme: VersionScheme = parsedScheme("composer", parseComposer, orderComposer);
