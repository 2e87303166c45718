import { imagePage } from "../api/responses.ts";
import { shown, useApi } from "../api/use-api.ts";
import { navigate } from "../routing/location.ts";
import { changed, picked, withQuery } from "../routing/query.ts";
import { plural } from "../ui/format.ts";
import { Pager } from "../ui/pager.tsx";
import { Empty, Problem } from "../ui/problem.tsx";
import { SearchField } from "../ui/search-field.tsx";
import { SelectField } from "../ui/select-field.tsx";
import { ImageTable } from "./image-table.tsx";

const sorts = [
  { value: "", label: "Reference" },
  { value: "lastSeen", label: "Last seen" },
  { value: "findings", label: "Findings" },
] as const;

const orders = [
  { value: "", label: "Default" },
  { value: "asc", label: "Ascending" },
  { value: "desc", label: "Descending" },
] as const;

const pageSize = 50;

/** Every stored image: search, sort and pages, all kept in the URL. */
export function ImageListPage({ query }: { query: URLSearchParams }) {
  const apiQuery = picked(query, ["q", "sort", "order", "page"]);
  apiQuery.set("limit", String(pageSize));
  const loaded = useApi(withQuery("/api/v1/images", apiQuery), imagePage);
  const data = shown(loaded);
  const set = (changes: Record<string, string | null>, replace = false): void => {
    navigate(withQuery("/", changed(query, changes)), { replace });
  };
  const q = query.get("q") ?? "";
  return (
    <main>
      <h1>Images</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <SearchField
          label="Search"
          placeholder="reference or tag"
          value={q}
          onSearch={(value) => {
            set({ q: value }, true);
          }}
        />
        <SelectField
          label="Sort by"
          value={query.get("sort") ?? ""}
          choices={sorts}
          onChange={(value) => {
            set({ sort: value });
          }}
        />
        <SelectField
          label="Order"
          value={query.get("order") ?? ""}
          choices={orders}
          onChange={(value) => {
            set({ order: value });
          }}
        />
      </form>
      {loaded.state === "failed" ? (
        <Problem title="The images could not be loaded.">{loaded.error.message}</Problem>
      ) : null}
      {data === undefined ? (
        loaded.state === "loading" ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <section aria-busy={loaded.state === "loading"} data-testid="image-results">
          <p class="total" data-testid="total">
            {plural(data.total, "image")}
          </p>
          {data.items.length === 0 ? (
            <Empty>
              {q === ""
                ? "No images yet. Sensors add them with POST /api/v1/inventories (strata scan --format json)."
                : `No image reference or tag contains “${q}”.`}
            </Empty>
          ) : (
            <ImageTable images={data.items} />
          )}
          <Pager path="/" query={query} page={data.page} limit={data.limit} total={data.total} />
        </section>
      )}
    </main>
  );
}
