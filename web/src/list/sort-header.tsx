import type { ComponentChildren } from "preact";
import { Link } from "../routing/link.tsx";
import type { Sorting } from "./sorting.ts";

interface SortHeaderProps<Key extends string> {
  sorting: Sorting<Key>;
  by: Key;
  class?: string;
  children: ComponentChildren;
}

/** A column header that links to the list sorted by its column; the sorted column shows which way. */
export function SortHeader<Key extends string>({ sorting, by, class: className, children }: SortHeaderProps<Key>) {
  const active = sorting.key === by;
  return (
    <th
      scope="col"
      class={className}
      data-sort={by}
      {...(active ? { "aria-sort": sorting.order === "asc" ? "ascending" : "descending" } : {})}
    >
      <Link href={sorting.href(by)} class="sort">
        {children}
        <span class="arrow" aria-hidden="true">
          {active ? (sorting.order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </Link>
    </th>
  );
}
