import type { ImageDetails } from "../api/responses.ts";
import { Link } from "../routing/link.tsx";
import { humanSize, plural, shortDigest } from "../ui/format.ts";
import { Empty } from "../ui/problem.tsx";
import { SeverityTally } from "../ui/severity-badges.tsx";
import { tabHref } from "./tabs.tsx";

/** The layers in the order they are applied, each with what it introduced. */
export function LayersTab({ image, path }: { image: ImageDetails; path: string }) {
  if (image.layers.length === 0) return <Empty>This image has no layers.</Empty>;
  const total = image.layers.reduce((sum, layer) => sum + layer.size, 0);
  return (
    <section data-testid="layers">
      <p class="total">
        {plural(image.layers.length, "layer")}, {humanSize(total)}
      </p>
      <table class="data">
        <thead>
          <tr>
            <th scope="col" class="num">
              #
            </th>
            <th scope="col">Digest</th>
            <th scope="col">DiffID</th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col">Created by</th>
            <th scope="col" class="num">
              Packages
            </th>
            <th scope="col">Findings</th>
          </tr>
        </thead>
        <tbody>
          {image.layers.map((layer) => (
            <tr key={layer.index} data-testid="layer-row">
              <td data-col="index" class="num">
                {layer.index}
              </td>
              <td data-col="digest">
                <code title={layer.digest} data-full={layer.digest}>
                  {shortDigest(layer.digest)}
                </code>
              </td>
              <td data-col="diff-id">
                <code title={layer.diffId} data-full={layer.diffId}>
                  {shortDigest(layer.diffId)}
                </code>
              </td>
              <td data-col="size" class="num nowrap" title={`${layer.size.toLocaleString("en")} bytes`}>
                {humanSize(layer.size)}
              </td>
              <td data-col="created-by">
                {layer.createdBy === null ? (
                  <span class="minor">—</span>
                ) : (
                  <code class="command">{layer.createdBy}</code>
                )}
              </td>
              <td data-col="packages" class="num">
                {layer.packages === 0 ? (
                  "0"
                ) : (
                  <Link href={tabHref(path, "packages", { layer: String(layer.index) })}>{layer.packages}</Link>
                )}
              </td>
              <td data-col="findings">
                {layer.findings === 0 ? (
                  <span class="minor">none</span>
                ) : (
                  <Link
                    href={tabHref(path, "vulnerabilities", { layer: String(layer.index) })}
                    aria-label={`${layer.findings} findings in layer ${layer.index}`}
                  >
                    <SeverityTally counts={layer.severities} hideZero />
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
