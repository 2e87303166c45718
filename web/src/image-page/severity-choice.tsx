import { type SeverityRating, severityRatings } from "../../../src/model/finding.ts";

/** The ratings named by ?severity=, repeated or comma-separated as the API takes them. */
export function chosenSeverities(query: URLSearchParams): SeverityRating[] {
  const named = new Set(query.getAll("severity").flatMap((value) => value.split(",").map((part) => part.trim())));
  return severityRatings.filter((rating) => named.has(rating));
}

interface SeverityChoiceProps {
  chosen: readonly SeverityRating[];
  onChange: (chosen: SeverityRating[]) => void;
}

/** One checkbox per rating; none ticked means every rating. */
export function SeverityChoice({ chosen, onChange }: SeverityChoiceProps) {
  return (
    <fieldset class="field severities">
      <legend>Severity</legend>
      {severityRatings.map((rating) => (
        <label key={rating} class={`check sev-${rating}`}>
          <input
            type="checkbox"
            checked={chosen.includes(rating)}
            onChange={(event) => {
              const on = event.currentTarget.checked;
              onChange(severityRatings.filter((each) => (each === rating ? on : chosen.includes(each))));
            }}
          />
          {rating}
        </label>
      ))}
    </fieldset>
  );
}
