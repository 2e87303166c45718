import type { Inventory } from "../model/inventory.ts";
import { textTable } from "./text-table.ts";

/** The human report: the image, its layers, then its packages with the layer that introduced each. */
export function renderTable(inventory: Inventory): string {
  const { image, distro, layers, packages } = inventory;
  const lines: string[] = [];
  lines.push(`Image:    ${image.reference} (${image.kind})`);
  if (image.tags.length > 0) lines.push(`Tags:     ${image.tags.join(", ")}`);
  if (image.platform)
    lines.push(
      `Platform: ${[image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join("/")}`,
    );
  if (distro) lines.push(`Distro:   ${distro.prettyName ?? [distro.id, distro.versionId].filter(Boolean).join(" ")}`);
  lines.push("");
  lines.push(`LAYERS (${layers.length})`);
  lines.push(
    textTable(
      ["#", "DIFF ID", "SIZE", "PACKAGES", "CREATED BY"],
      layers.map((layer) => [
        String(layer.index),
        shortDigest(layer.diffId),
        formatBytes(layer.size),
        String(packages.filter((pkg) => pkg.layer.index === layer.index).length),
        layer.createdBy ?? "",
      ]),
      [3, 19, 10, 8, 100],
    ),
  );
  lines.push("");
  lines.push(`PACKAGES (${packages.length})`);
  lines.push(
    textTable(
      ["NAME", "VERSION", "TYPE", "LAYER", "PATH"],
      packages.map((pkg) => [
        pkg.name,
        pkg.version,
        pkg.ecosystem,
        String(pkg.layer.index),
        pkg.locations[0]?.path ?? "",
      ]),
      [60, 40, 10, 5, 120],
    ),
  );
  return `${lines.join("\n")}\n`;
}

function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
