/** URLs of this app: the query string is where list and filter state lives, so every view is a link. */

/** `path` with `query`, leaving out the "?" when there is nothing to add. */
export function withQuery(path: string, query: URLSearchParams): string {
  const search = query.toString();
  return search === "" ? path : `${path}?${search}`;
}

/**
 * The query with `changes` applied (null or "" removes a parameter). Any change but the page itself
 * goes back to the first page, since the old page number means nothing for new filters.
 */
export function changed(query: URLSearchParams, changes: Readonly<Record<string, string | null>>): URLSearchParams {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
  }
  if (!("page" in changes)) next.delete("page");
  return next;
}

/** Only the named parameters of the query, in that order: what is forwarded to the API. */
export function picked(query: URLSearchParams, names: readonly string[]): URLSearchParams {
  const kept = new URLSearchParams();
  for (const name of names) for (const value of query.getAll(name)) kept.append(name, value);
  return kept;
}

/** An image id in a path: digests keep their ":" so that the address stays readable. */
export function imagePath(id: string): string {
  return `/images/${encodeURIComponent(id).replace(/%3A/gi, ":")}`;
}
