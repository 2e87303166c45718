import type { ImageDetails } from "../api/responses.ts";
import { packagePage } from "../api/responses.ts";
import { FilterForm } from "../list/filter-form.tsx";
import { PagedList } from "../list/paged-list.tsx";
import { sortingOf } from "../list/sorting.ts";
import { useListPage } from "../list/use-list-page.ts";
import { plural } from "../ui/format.ts";
import { PackageFilterFields } from "./package-filter-fields.tsx";
import { PackageTable, packageSortKeys } from "./package-table.tsx";

/** The filters the packages endpoint takes, under the same names in the page's URL. */
const filterNames = ["ecosystem", "layer", "q"] as const;

export function PackagesTab({ image, path, query }: { image: ImageDetails; path: string; query: URLSearchParams }) {
  const list = useListPage(`/api/v1${path}/packages`, path, query, filterNames, packagePage);
  const filtered = filterNames.some((name) => query.has(name));
  return (
    <section data-testid="packages">
      <FilterForm label="Filter packages">
        <PackageFilterFields image={image} query={query} set={list.set} searches="name or purl" />
      </FilterForm>
      <PagedList
        list={list}
        what="packages"
        testId="package-results"
        summary={(data) => `${plural(data.total, "package")}${filtered ? ` of ${image.packages}` : ""}`}
        empty={filtered ? "No package matches these filters." : "No packages were found in this image."}
      >
        {(packages) => (
          <PackageTable packages={packages} imagePath={path} sorting={sortingOf(packageSortKeys, path, query)} />
        )}
      </PagedList>
    </section>
  );
}
