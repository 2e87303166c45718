import type { PackageRow } from "../api/responses.ts";
import { SortHeader } from "../list/sort-header.tsx";
import type { SortKeys, Sorting } from "../list/sorting.ts";
import { Link } from "../routing/link.tsx";
import { tabHref } from "./tabs.tsx";

type PackageSortKey = "layer" | "name" | "ecosystem" | "path" | "findings";

/** The packages endpoint's `sort` keys, as backend/README.md lists them. */
export const packageSortKeys: SortKeys<PackageSortKey> = {
  orders: { layer: "asc", name: "asc", ecosystem: "asc", path: "asc", findings: "desc" },
  fallback: "layer",
};

interface PackageTableProps {
  packages: readonly PackageRow[];
  imagePath: string;
  sorting: Sorting<PackageSortKey>;
}

export function PackageTable({ packages, imagePath, sorting }: PackageTableProps) {
  return (
    <table class="data">
      <thead>
        <tr>
          <SortHeader sorting={sorting} by="name">
            Name
          </SortHeader>
          <th scope="col">Version</th>
          <SortHeader sorting={sorting} by="ecosystem">
            Ecosystem
          </SortHeader>
          <SortHeader sorting={sorting} by="layer" class="num">
            Layer
          </SortHeader>
          <th scope="col">Licenses</th>
          <SortHeader sorting={sorting} by="path">
            Path
          </SortHeader>
          <SortHeader sorting={sorting} by="findings" class="num">
            Findings
          </SortHeader>
        </tr>
      </thead>
      <tbody>
        {packages.map((pkg) => (
          <tr key={pkg.id} data-testid="package-row">
            <td data-col="name" class="strong" title={pkg.purl}>
              {pkg.name}
            </td>
            <td data-col="version">
              <code>{pkg.version}</code>
            </td>
            <td data-col="ecosystem">{pkg.ecosystem}</td>
            <td data-col="layer" class="num">
              {pkg.layer}
            </td>
            <td data-col="licenses">
              {pkg.licenses.length === 0 ? <span class="minor">—</span> : pkg.licenses.join(", ")}
            </td>
            <td data-col="path">
              {pkg.path === null ? <span class="minor">—</span> : <code class="path">{pkg.path}</code>}
            </td>
            <td data-col="findings" class="num">
              {pkg.findings === 0 ? (
                <span class="minor">0</span>
              ) : (
                <Link href={tabHref(imagePath, "vulnerabilities", { q: pkg.name })}>{pkg.findings}</Link>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
