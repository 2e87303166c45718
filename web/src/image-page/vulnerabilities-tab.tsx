import type { ImageDetails } from "../api/responses.ts";
import { vulnerabilityPage } from "../api/responses.ts";
import { PagedList } from "../list/paged-list.tsx";
import { sortingOf } from "../list/sorting.ts";
import { useListPage } from "../list/use-list-page.ts";
import { Link } from "../routing/link.tsx";
import { changed, withQuery } from "../routing/query.ts";
import { plural } from "../ui/format.ts";
import { VulnerabilityFilters } from "./vulnerability-filters.tsx";
import { VulnerabilityTable, vulnerabilitySortKeys } from "./vulnerability-table.tsx";

/** The filters the vulnerabilities endpoint takes, under the same names in the page's URL. */
const filterNames = ["detection", "severity", "ecosystem", "layer", "fixable", "q"] as const;
const noFilters = Object.fromEntries(filterNames.map((name) => [name, null]));

export function VulnerabilitiesTab({
  image,
  path,
  query,
}: {
  image: ImageDetails;
  path: string;
  query: URLSearchParams;
}) {
  const list = useListPage(`/api/v1${path}/vulnerabilities`, path, query, filterNames, vulnerabilityPage);
  const filtered = filterNames.some((name) => query.has(name));
  return (
    <section data-testid="vulnerabilities">
      <VulnerabilityFilters image={image} query={query} set={list.set} />
      <PagedList
        list={list}
        what="vulnerabilities"
        testId="vulnerability-results"
        summary={(data) => (
          <>
            {plural(data.total, "vulnerability", "vulnerabilities")}
            {filtered ? (
              <>
                {` of ${image.findings} `}
                <Link href={withQuery(path, changed(query, noFilters))}>Clear filters</Link>
              </>
            ) : null}
          </>
        )}
        empty={
          filtered ? "No vulnerability matches these filters." : "No known vulnerabilities in this image's packages."
        }
      >
        {(vulnerabilities) => (
          <VulnerabilityTable
            vulnerabilities={vulnerabilities}
            sorting={sortingOf(vulnerabilitySortKeys, path, query)}
          />
        )}
      </PagedList>
    </section>
  );
}
