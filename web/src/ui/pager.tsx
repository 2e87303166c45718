import { Link } from "../routing/link.tsx";
import { changed, withQuery } from "../routing/query.ts";

interface PagerProps {
  path: string;
  query: URLSearchParams;
  page: number;
  limit: number;
  total: number;
}

/** Previous / next links for a list whose page number is the `page` query parameter. */
export function Pager({ path, query, page, limit, total }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages === 1 && page === 1) return null;
  const to = (target: number) => withQuery(path, changed(query, { page: target === 1 ? null : String(target) }));
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <Link href={to(page - 1)}>← Previous</Link> : <span class="disabled">← Previous</span>}
      <span data-testid="page-of">
        Page {page} of {pages}
      </span>
      {page < pages ? <Link href={to(page + 1)}>Next →</Link> : <span class="disabled">Next →</span>}
    </nav>
  );
}
