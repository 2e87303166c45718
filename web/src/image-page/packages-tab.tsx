import type { ImageDetails } from "../api/responses.ts";
import { packagePage } from "../api/responses.ts";
import { shown, useApi } from "../api/use-api.ts";
import { navigate } from "../routing/location.ts";
import { changed, picked, withQuery } from "../routing/query.ts";
import { plural } from "../ui/format.ts";
import { Pager } from "../ui/pager.tsx";
import { Empty, Problem } from "../ui/problem.tsx";
import { SearchField } from "../ui/search-field.tsx";
import { SelectField } from "../ui/select-field.tsx";
import { ecosystemChoices, layerChoices } from "./layer-choices.ts";
import { PackageTable } from "./package-table.tsx";

/** The filters the packages endpoint takes, under the same names in the page's URL. */
const filterNames = ["ecosystem", "layer", "q", "page"] as const;
const pageSize = 50;

export function PackagesTab({ image, path, query }: { image: ImageDetails; path: string; query: URLSearchParams }) {
  const apiQuery = picked(query, filterNames);
  apiQuery.set("limit", String(pageSize));
  const loaded = useApi(withQuery(`/api/v1${path}/packages`, apiQuery), packagePage);
  const data = shown(loaded);
  const set = (changes: Record<string, string | null>, replace = false): void => {
    navigate(withQuery(path, changed(query, changes)), { replace });
  };
  const filtered = ["ecosystem", "layer", "q"].some((name) => query.has(name));
  return (
    <section data-testid="packages">
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <SearchField
          label="Name"
          placeholder="name or purl"
          value={query.get("q") ?? ""}
          onSearch={(value) => {
            set({ q: value }, true);
          }}
        />
        <SelectField
          label="Ecosystem"
          value={query.get("ecosystem") ?? ""}
          choices={ecosystemChoices(image)}
          onChange={(value) => {
            set({ ecosystem: value });
          }}
        />
        <SelectField
          label="Layer"
          value={query.get("layer") ?? ""}
          choices={layerChoices(image)}
          onChange={(value) => {
            set({ layer: value });
          }}
        />
      </form>
      {loaded.state === "failed" ? (
        <Problem title="The packages could not be loaded.">{loaded.error.message}</Problem>
      ) : null}
      {data === undefined ? (
        loaded.state === "loading" ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <div aria-busy={loaded.state === "loading"} data-testid="package-results">
          <p class="total" data-testid="total">
            {plural(data.total, "package")}
            {filtered ? ` of ${image.packages}` : ""}
          </p>
          {data.items.length === 0 ? (
            <Empty>{filtered ? "No package matches these filters." : "No packages were found in this image."}</Empty>
          ) : (
            <PackageTable packages={data.items} imagePath={path} />
          )}
          <Pager path={path} query={query} page={data.page} limit={data.limit} total={data.total} />
        </div>
      )}
    </section>
  );
}
