import { createHash } from "node:crypto";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding, SeverityRating } from "../model/finding.ts";
import type { FileLocation, Package } from "../model/package.ts";
import type { ScanReport } from "../model/report.ts";
import { imageDigest, layerText } from "./image-facts.ts";
import { compareText, findingsInOrder } from "./order.ts";

type Level = NonNullable<Result["level"]>;

const levels: Record<SeverityRating, Level> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  none: "note",
  unknown: "note",
};

/**
 * The findings as SARIF 2.1.0, shaped for GitHub code scanning: one rule per vulnerability id, one
 * result per vulnerable package, located at the file the package was read from.
 */
export function renderSarif(report: ScanReport): string {
  const findings = findingsInOrder(report.vulnerabilities?.findings ?? []);
  const packages = new Map(report.packages.map((pkg) => [pkg.id, pkg]));
  const rules = rulesOf(findings);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const digest = imageDigest(report.image);
  const log: Log = {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.scanner.name,
            version: report.scanner.version,
            semanticVersion: report.scanner.version,
            rules,
          },
        },
        results: findings.map((finding) => resultOf(finding, packages.get(finding.packageId), ruleIndex, report)),
        properties: {
          image: report.image.reference,
          ...(digest === undefined ? {} : { imageDigest: digest }),
          ...(report.image.tags.length === 0 ? {} : { imageTags: report.image.tags }),
          scannedAt: report.scannedAt,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** One rule per finding id: the findings sharing it are the same vulnerability in different packages. */
function rulesOf(findings: readonly Finding[]): ReportingDescriptor[] {
  const byId = new Map<string, Finding[]>();
  for (const finding of findings) byId.set(finding.id, [...(byId.get(finding.id) ?? []), finding]);
  return [...byId.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([id, group]) => {
      const worst = group[0];
      const summary = group.find((finding) => finding.summary !== undefined)?.summary;
      const references = [...new Set(group.flatMap((finding) => finding.references.flatMap(webUrl)))];
      const aliases = [...new Set(group.flatMap((finding) => finding.aliases))].sort(compareText);
      const scores = group.flatMap((finding) => (finding.severity.score === undefined ? [] : [finding.severity.score]));
      const tags = [
        ...new Set([
          "security",
          "vulnerability",
          ...group.flatMap((finding) => [finding.detection, finding.ecosystem]),
        ]),
      ];
      const aliasText = aliases.length === 0 ? [] : [`Also known as: ${aliases.join(", ")}.`];
      const text = [summary ?? id, ...aliasText, ...(references.length === 0 ? [] : ["References:", ...references])];
      const markdown = [
        markdownText(summary ?? id),
        ...aliasText.map(markdownText),
        ...(references.length === 0 ? [] : [references.map((url) => `- <${url}>`).join("\n")]),
      ];
      return {
        id,
        shortDescription: { text: summary ?? id },
        ...(references[0] === undefined ? {} : { helpUri: references[0] }),
        help: { text: text.join("\n"), markdown: markdown.join("\n\n") },
        ...(worst === undefined ? {} : { defaultConfiguration: { level: levels[worst.severity.rating] } }),
        properties: {
          ...(scores.length === 0 ? {} : { "security-severity": Math.max(...scores).toFixed(1) }),
          tags,
        },
      };
    });
}

function resultOf(
  finding: Finding,
  pkg: Package | undefined,
  ruleIndex: ReadonlyMap<string, number>,
  report: ScanReport,
): Result {
  const location = pkg?.locations[0];
  const fix =
    finding.fixedVersions.length === 0 ? "No fixed version is known." : `Fixed in ${finding.fixedVersions.join(", ")}.`;
  const where = location === undefined ? "" : ` Read from ${location.path}${insideText(location)}.`;
  const index = ruleIndex.get(finding.id);
  return {
    ruleId: finding.id,
    ...(index === undefined ? {} : { ruleIndex: index }),
    level: levels[finding.severity.rating],
    message: {
      text:
        `${finding.packageName} ${finding.installedVersion} is affected by ${finding.id}` +
        `${finding.summary === undefined ? "" : `: ${finding.summary}`}. ${fix}` +
        ` Introduced in ${layerText(finding.layer, report.layers)}.${where}`,
    },
    ...(location === undefined
      ? {}
      : { locations: [{ physicalLocation: { artifactLocation: { uri: relativeUri(location.path) } } }] }),
    partialFingerprints: {
      "strataFinding/v1": createHash("sha256")
        .update([finding.id, finding.ecosystem, finding.packageName, location?.path ?? ""].join("\0"))
        .digest("hex"),
    },
    properties: {
      purl: finding.purl,
      installedVersion: finding.installedVersion,
      fixedVersions: finding.fixedVersions,
      severity: finding.severity.rating,
      ...(finding.severity.score === undefined ? {} : { cvssScore: finding.severity.score }),
      detection: finding.detection,
      layerIndex: finding.layer.index,
      layerDiffId: finding.layer.diffId,
    },
  };
}

/**
 * An image path as a relative URI reference (GitHub code scanning resolves it against the repository):
 * no leading slash, and characters that are not allowed or that would start a query or fragment escaped.
 */
export function relativeUri(path: string): string {
  return encodeURI(path.replace(/^\/+/, "")).replace(/[?#]/g, (char) => (char === "?" ? "%3F" : "%23"));
}

function insideText(location: FileLocation): string {
  return location.inside === undefined ? "" : ` (inside: ${location.inside})`;
}

/** Plain text inside Markdown: characters that would start emphasis, code, links or HTML are escaped. */
function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (char) => `\\${char}`);
}

/** The reference as a normalised http(s) URL, or nothing when it is not one. */
function webUrl(text: string): string[] {
  if (!URL.canParse(text)) return [];
  const url = new URL(text);
  return url.protocol === "https:" || url.protocol === "http:" ? [url.href] : [];
}
