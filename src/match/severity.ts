import { createRequire } from "node:module";
import type { Severity, SeverityRating } from "../model/finding.ts";

/** The part of ae-cvss-calculator we use. */
interface CvssCalculator {
  fromVector(vector: string): { calculateScores(): { base?: unknown } } | null;
}

// ae-cvss-calculator ships a UMD bundle whose named exports Node's ESM loader cannot see.
const cvss = createRequire(import.meta.url)("ae-cvss-calculator") as CvssCalculator;

const vectorPreference = ["CVSS_V4", "CVSS_V3", "CVSS_V2"];

/** CVSS v3/v4 qualitative ratings (v2 vectors are rated on the same scale). */
export function ratingOfScore(score: number): SeverityRating {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "none";
}

const labels: Record<string, SeverityRating> = {
  CRITICAL: "critical",
  HIGH: "high",
  IMPORTANT: "high",
  MODERATE: "medium",
  MEDIUM: "medium",
  LOW: "low",
  NEGLIGIBLE: "low",
};

/** The best severity among CVSS vectors (newest CVSS version first), else the advisory's own label. */
export function severityOf(vectors: readonly { type: string; score: string }[], label: string | undefined): Severity {
  const ordered = [...vectors].sort((a, b) => rank(a.type) - rank(b.type));
  for (const { type, score: vector } of ordered) {
    const score = baseScore(vector);
    if (score !== undefined) return { rating: ratingOfScore(score), score, vector, source: type };
  }
  const rating = label ? labels[label.toUpperCase()] : undefined;
  return rating ? { rating, source: "label" } : { rating: "unknown", source: "none" };
}

function rank(type: string): number {
  const index = vectorPreference.indexOf(type);
  return index < 0 ? vectorPreference.length : index;
}

const scores = new Map<string, number | undefined>();

/** The CVSS base score of a vector (remembered: the same vectors recur across packages). */
export function baseScore(vector: string): number | undefined {
  if (scores.has(vector)) return scores.get(vector);
  const score = computeBaseScore(vector);
  if (scores.size >= 50_000) scores.clear();
  scores.set(vector, score);
  return score;
}

function computeBaseScore(vector: string): number | undefined {
  try {
    const parsed = cvss.fromVector(vector);
    const base = parsed?.calculateScores().base;
    return typeof base === "number" && Number.isFinite(base) ? base : undefined;
  } catch {
    return undefined;
  }
}
