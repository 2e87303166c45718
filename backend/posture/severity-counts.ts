import { type SeverityRating, severityRatings } from "../../src/model/finding.ts";

export type SeverityCounts = Record<SeverityRating, number>;

export function emptySeverityCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };
}

export function isSeverityRating(value: string): value is SeverityRating {
  return (severityRatings as readonly string[]).includes(value);
}

export function severityCounts(ratings: Iterable<string>): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const rating of ratings) if (isSeverityRating(rating)) counts[rating] += 1;
  return counts;
}
