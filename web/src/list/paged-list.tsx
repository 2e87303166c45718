import type { ComponentChildren } from "preact";
import type { Page } from "../api/responses.ts";
import { shown } from "../api/use-api.ts";
import { Empty, Problem } from "../ui/problem.tsx";
import { Pager } from "./pager.tsx";
import type { ListPage } from "./use-list-page.ts";

interface PagedListProps<T> {
  list: ListPage<T>;
  /** What the list holds, as in "The packages could not be loaded." */
  what: string;
  testId: string;
  /** The line above the rows: how many there are. */
  summary: (page: Page<T>) => ComponentChildren;
  /** Said instead of an empty table. */
  empty: ComponentChildren;
  /** The rows of this page, as a table. */
  children: (items: T[]) => ComponentChildren;
}

/** A server-side list: its failure, its count, its rows (the last ones while the next load), and its pager. */
export function PagedList<T>({ list, what, testId, summary, empty, children }: PagedListProps<T>) {
  const { path, query, loaded, set } = list;
  const data = shown(loaded);
  return (
    <>
      {loaded.state === "failed" ? (
        <Problem title={`The ${what} could not be loaded.`}>{loaded.error.message}</Problem>
      ) : null}
      {data === undefined ? (
        loaded.state === "loading" ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <div aria-busy={loaded.state === "loading"} data-testid={testId}>
          <p class="total" data-testid="total">
            {summary(data)}
          </p>
          {data.items.length === 0 ? <Empty>{empty}</Empty> : children(data.items)}
          <Pager path={path} query={query} set={set} page={data.page} limit={data.limit} total={data.total} />
        </div>
      )}
    </>
  );
}
