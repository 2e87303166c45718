import type { ImageDetails } from "../api/responses.ts";
import { vulnerabilityPage } from "../api/responses.ts";
import { shown, useApi } from "../api/use-api.ts";
import { Link } from "../routing/link.tsx";
import { navigate } from "../routing/location.ts";
import { changed, picked, withQuery } from "../routing/query.ts";
import { plural } from "../ui/format.ts";
import { Pager } from "../ui/pager.tsx";
import { Empty, Problem } from "../ui/problem.tsx";
import { tabHref } from "./tabs.tsx";
import { VulnerabilityFilters } from "./vulnerability-filters.tsx";
import { VulnerabilityTable } from "./vulnerability-table.tsx";

/** The filters the vulnerabilities endpoint takes, under the same names in the page's URL. */
const filterNames = ["detection", "severity", "ecosystem", "layer", "fixable", "q", "page"] as const;
const pageSize = 50;

export function VulnerabilitiesTab({
  image,
  path,
  query,
}: {
  image: ImageDetails;
  path: string;
  query: URLSearchParams;
}) {
  const apiQuery = picked(query, filterNames);
  apiQuery.set("limit", String(pageSize));
  const loaded = useApi(withQuery(`/api/v1${path}/vulnerabilities`, apiQuery), vulnerabilityPage);
  const data = shown(loaded);
  const set = (changes: Record<string, string | null>, replace = false): void => {
    navigate(withQuery(path, changed(query, changes)), { replace });
  };
  const filtered = filterNames.some((name) => name !== "page" && query.has(name));
  return (
    <section data-testid="vulnerabilities">
      <VulnerabilityFilters image={image} query={query} set={set} />
      {loaded.state === "failed" ? (
        <Problem title="The vulnerabilities could not be loaded.">{loaded.error.message}</Problem>
      ) : null}
      {data === undefined ? (
        loaded.state === "loading" ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <div aria-busy={loaded.state === "loading"} data-testid="vulnerability-results">
          <p class="total" data-testid="total">
            {plural(data.total, "vulnerability", "vulnerabilities")}
            {filtered ? ` of ${image.findings}` : ""}
            {filtered ? (
              <>
                {" "}
                <Link href={tabHref(path, "vulnerabilities")}>Clear filters</Link>
              </>
            ) : null}
          </p>
          {data.items.length === 0 ? (
            <Empty>
              {filtered
                ? "No vulnerability matches these filters."
                : "No known vulnerabilities in this image's packages."}
            </Empty>
          ) : (
            <VulnerabilityTable vulnerabilities={data.items} />
          )}
          <Pager path={path} query={query} page={data.page} limit={data.limit} total={data.total} />
        </div>
      )}
    </section>
  );
}
