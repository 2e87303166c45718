import { imagePage } from "../api/responses.ts";
import { FilterForm } from "../list/filter-form.tsx";
import { PagedList } from "../list/paged-list.tsx";
import { sortingOf } from "../list/sorting.ts";
import { useListPage } from "../list/use-list-page.ts";
import { plural } from "../ui/format.ts";
import { SearchField } from "../ui/search-field.tsx";
import { ImageTable, imageSortKeys } from "./image-table.tsx";

/** Every stored image: search, sort and pages, all kept in the URL. */
export function ImageListPage({ query }: { query: URLSearchParams }) {
  const list = useListPage("/api/v1/images", "/", query, ["q"], imagePage);
  const q = query.get("q") ?? "";
  return (
    <main>
      <h1>Images</h1>
      <FilterForm label="Search images">
        <SearchField
          label="Search"
          placeholder="reference or tag"
          value={q}
          onSearch={(value) => {
            list.set({ q: value }, true);
          }}
        />
      </FilterForm>
      <PagedList
        list={list}
        what="images"
        testId="image-results"
        summary={(data) => plural(data.total, "image")}
        empty={
          q === ""
            ? "No images yet. Sensors add them with POST /api/v1/inventories (strata scan --format json)."
            : `No image reference or tag contains “${q}”.`
        }
      >
        {(images) => <ImageTable images={images} sorting={sortingOf(imageSortKeys, "/", query)} />}
      </PagedList>
    </main>
  );
}
