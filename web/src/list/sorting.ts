import { changed, withQuery } from "../routing/query.ts";

export type Order = "asc" | "desc";

/** An endpoint's sort keys (its `sort` parameter), each with the order the API applies when none is named. */
export interface SortKeys<Key extends string> {
  orders: Readonly<Record<Key, Order>>;
  /** The API's sort when the query names none. */
  fallback: Key;
}

export interface Sorting<Key extends string> {
  key: Key;
  order: Order;
  /** The same list sorted by `key`: the other way round when it is sorted by `key` already. */
  href: (key: Key) => string;
}

function isKey<Key extends string>(keys: SortKeys<Key>, name: string | null): name is Key {
  return name !== null && Object.hasOwn(keys.orders, name);
}

/** How the list at `path` is sorted according to ?sort= and ?order=, and where its headers link to. */
export function sortingOf<Key extends string>(keys: SortKeys<Key>, path: string, query: URLSearchParams): Sorting<Key> {
  const named = query.get("sort");
  const key = isKey(keys, named) ? named : keys.fallback;
  const asked = query.get("order");
  const order: Order = asked === "asc" || asked === "desc" ? asked : keys.orders[key];
  const href = (next: Key): string => {
    const nextOrder = next === key ? (order === "asc" ? "desc" : "asc") : keys.orders[next];
    return withQuery(path, changed(query, { sort: next, order: nextOrder === keys.orders[next] ? null : nextOrder }));
  };
  return { key, order, href };
}
