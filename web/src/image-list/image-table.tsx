import type { ImageSummary } from "../api/responses.ts";
import { SortHeader } from "../list/sort-header.tsx";
import type { SortKeys, Sorting } from "../list/sorting.ts";
import { Link } from "../routing/link.tsx";
import { imagePath } from "../routing/query.ts";
import { dateTime, distroLabel } from "../ui/format.ts";
import { SeverityTally } from "../ui/severity-badges.tsx";

type ImageSortKey = "reference" | "lastSeen" | "findings";

/** The images endpoint's `sort` keys, as backend/README.md lists them. */
export const imageSortKeys: SortKeys<ImageSortKey> = {
  orders: { reference: "asc", lastSeen: "desc", findings: "desc" },
  fallback: "reference",
};

export function ImageTable({ images, sorting }: { images: readonly ImageSummary[]; sorting: Sorting<ImageSortKey> }) {
  return (
    <table class="data">
      <thead>
        <tr>
          <SortHeader sorting={sorting} by="reference">
            Image
          </SortHeader>
          <th scope="col">Platform</th>
          <th scope="col">Distro</th>
          <th scope="col" class="num">
            Packages
          </th>
          <SortHeader sorting={sorting} by="findings">
            Findings
          </SortHeader>
          <SortHeader sorting={sorting} by="lastSeen">
            Last seen
          </SortHeader>
        </tr>
      </thead>
      <tbody>
        {images.map((image) => (
          <tr key={image.id} data-testid="image-row" data-id={image.id}>
            <td data-col="reference">
              <Link href={imagePath(image.id)} class="strong">
                {image.reference}
              </Link>
              {image.tags.filter((tag) => tag !== image.reference).length > 0 ? (
                <div class="minor">{image.tags.filter((tag) => tag !== image.reference).join(", ")}</div>
              ) : null}
            </td>
            <td data-col="platform">{image.platform ?? "—"}</td>
            <td data-col="distro">{distroLabel(image.distro)}</td>
            <td data-col="packages" class="num">
              {image.packages}
            </td>
            <td data-col="findings">
              <SeverityTally counts={image.severities} />
            </td>
            <td data-col="last-seen" class="nowrap">
              {dateTime(image.lastSeen)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
