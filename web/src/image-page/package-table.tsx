import type { PackageRow } from "../api/responses.ts";
import { Link } from "../routing/link.tsx";
import { tabHref } from "./tabs.tsx";

export function PackageTable({ packages, imagePath }: { packages: readonly PackageRow[]; imagePath: string }) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Version</th>
          <th scope="col">Ecosystem</th>
          <th scope="col" class="num">
            Layer
          </th>
          <th scope="col">Licenses</th>
          <th scope="col">Path</th>
          <th scope="col" class="num">
            Findings
          </th>
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
