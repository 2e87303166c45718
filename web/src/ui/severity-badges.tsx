import { type SeverityRating, severityRatings } from "../../../src/model/finding.ts";
import type { SeverityCounts } from "../api/responses.ts";

/** One rating as a coloured label, with the CVSS score when there is one. */
export function SeverityBadge({ rating, score }: { rating: SeverityRating; score?: number | null }) {
  return (
    <span class={`badge sev-${rating}`} data-severity={rating}>
      {rating}
      {score === null || score === undefined ? null : <span class="score">{score.toFixed(1)}</span>}
    </span>
  );
}

/** Findings per rating, worst first. Ratings with none are greyed out so that columns line up, or left out. */
export function SeverityTally({ counts, hideZero = false }: { counts: SeverityCounts; hideZero?: boolean }) {
  const ratings = hideZero ? severityRatings.filter((rating) => counts[rating] > 0) : severityRatings;
  return (
    <span class="counts" data-testid="severity-counts">
      {ratings.map((rating) => (
        <span
          key={rating}
          class={`badge sev-${rating}${counts[rating] === 0 ? " zero" : ""}`}
          data-severity={rating}
          data-count={counts[rating]}
          title={`${counts[rating]} ${rating}`}
        >
          <span class="rating">{rating}</span> {counts[rating]}
        </span>
      ))}
    </span>
  );
}
