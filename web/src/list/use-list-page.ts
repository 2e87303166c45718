import type { Page } from "../api/responses.ts";
import { type Loaded, useApi } from "../api/use-api.ts";
import { navigate } from "../routing/location.ts";
import { changed, withQuery } from "../routing/query.ts";
import { apiQueryOf } from "./list-query.ts";

/** Sets (or, with null, clears) query parameters of the page; `replace` keeps the history entry, for typing. */
export type QuerySetter = (changes: Record<string, string | null>, replace?: boolean) => void;

/** A list that lives at `path`: the page of it that `query` asks for, and how to change that query. */
export interface ListPage<T> {
  path: string;
  query: URLSearchParams;
  loaded: Loaded<Page<T>>;
  set: QuerySetter;
}

/** One page of `endpoint`'s list as the page's query asks for it: filters, sort, page and page size. */
export function useListPage<T>(
  endpoint: string,
  path: string,
  query: URLSearchParams,
  filterNames: readonly string[],
  decode: (value: unknown) => Page<T>,
): ListPage<T> {
  const loaded = useApi(withQuery(endpoint, apiQueryOf(query, filterNames)), decode);
  const set: QuerySetter = (changes, replace = false) => {
    navigate(withQuery(path, changed(query, changes)), { replace });
  };
  return { path, query, loaded, set };
}
