import { severityRatings } from "../model/finding.ts";
import type { ScanReport } from "../model/report.ts";
import { textTable } from "./text-table.ts";

/** The human report: the image, its layers, then its packages with the layer that introduced each. */
export function renderTable(report: ScanReport): string {
  const { image, distro, layers, packages } = report;
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
  if (report.vulnerabilities) lines.push("", ...vulnerabilityLines(report));
  return `${lines.join("\n")}\n`;
}

/** Findings grouped by the layer that introduced the package, worst first within a layer. */
function vulnerabilityLines(report: ScanReport): string[] {
  const findings = report.vulnerabilities?.findings ?? [];
  const counts = severityRatings
    .map((rating) => [rating, findings.filter((finding) => finding.severity.rating === rating).length] as const)
    .filter(([, count]) => count > 0)
    .map(([rating, count]) => `${rating}: ${count}`);
  const lines = [`VULNERABILITIES (${findings.length}${counts.length > 0 ? `; ${counts.join(", ")}` : ""})`];
  for (const layer of report.layers) {
    const here = findings
      .filter((finding) => finding.layer.index === layer.index)
      .sort(
        (a, b) =>
          severityRatings.indexOf(a.severity.rating) - severityRatings.indexOf(b.severity.rating) ||
          a.packageName.localeCompare(b.packageName) ||
          a.id.localeCompare(b.id),
      );
    if (here.length === 0) continue;
    lines.push(`layer ${layer.index}: ${layer.createdBy ?? layer.diffId}`);
    lines.push(
      textTable(
        ["ID", "SEVERITY", "PACKAGE", "INSTALLED", "FIXED IN", "TYPE"],
        here.map((finding) => [
          finding.id,
          finding.severity.score === undefined
            ? finding.severity.rating
            : `${finding.severity.rating} ${finding.severity.score}`,
          finding.packageName,
          finding.installedVersion,
          finding.fixedVersions.join(", ") || "(no fix)",
          finding.detection,
        ]),
        [24, 14, 40, 30, 40, 4],
      ),
    );
  }
  return lines;
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
