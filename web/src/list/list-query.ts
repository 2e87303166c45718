import { picked } from "../routing/query.ts";

/** The page sizes offered; any other `limit` in a URL is read as the default. */
export const pageSizes = [10, 25, 50, 100, 200] as const;
export const defaultPageSize = 50;

export function pageSizeOf(query: URLSearchParams): number {
  const asked = Number(query.get("limit"));
  return pageSizes.find((size) => size === asked) ?? defaultPageSize;
}

/** The page's query as the API takes it: the endpoint's filters, the sort, the page and its size. */
export function apiQueryOf(query: URLSearchParams, filterNames: readonly string[]): URLSearchParams {
  const forwarded = picked(query, [...filterNames, "sort", "order", "page"]);
  forwarded.set("limit", String(pageSizeOf(query)));
  return forwarded;
}
