import { Link } from "../routing/link.tsx";
import { changed, withQuery } from "../routing/query.ts";
import { SelectField } from "../ui/select-field.tsx";
import { defaultPageSize, pageSizes } from "./list-query.ts";
import type { QuerySetter } from "./use-list-page.ts";

interface PagerProps {
  path: string;
  query: URLSearchParams;
  page: number;
  limit: number;
  total: number;
  set: QuerySetter;
}

const sizeChoices = pageSizes.map((size) => ({ value: String(size), label: String(size) }));

/** Previous / next links for the `page` query parameter, and the page size (`limit`). */
export function Pager({ path, query, page, limit, total, set }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / limit));
  const to = (target: number) => withQuery(path, changed(query, { page: target === 1 ? null : String(target) }));
  return (
    <div class="pager">
      {pages > 1 || page > 1 ? (
        <nav aria-label="Pages">
          {page > 1 ? <Link href={to(page - 1)}>← Previous</Link> : <span class="disabled">← Previous</span>}
          <span data-testid="page-of">
            Page {page} of {pages}
          </span>
          {page < pages ? <Link href={to(page + 1)}>Next →</Link> : <span class="disabled">Next →</span>}
        </nav>
      ) : null}
      <SelectField
        label="Rows per page"
        value={String(limit)}
        choices={sizeChoices}
        onChange={(value) => {
          set({ limit: value === String(defaultPageSize) ? null : value });
        }}
      />
    </div>
  );
}
