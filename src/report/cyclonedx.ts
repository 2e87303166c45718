import { SPDX } from "@cyclonedx/cyclonedx-library";
import type { Distro } from "../model/distro.ts";
import type { Finding, Severity } from "../model/finding.ts";
import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";
import type { Package } from "../model/package.ts";
import type { ScanReport } from "../model/report.ts";
import { imageDigest, imageName, platformText } from "./image-facts.ts";
import { allOf, distinctLicenses, spdxExpressionCheck } from "./licenses.ts";
import { nameUuid } from "./name-uuid.ts";
import { findingsInOrder, packagesInOrder } from "./order.ts";

// The subset of CycloneDX 1.6 JSON that strata writes, in the specification's key order.

interface CdxProperty {
  name: string;
  value: string;
}

type CdxLicenseChoice =
  | { license: { id: string; acknowledgement: "declared" } | { name: string; acknowledgement: "declared" } }
  | { expression: string; acknowledgement: "declared" };

interface CdxComponent {
  type: "container" | "operating-system" | "library";
  "bom-ref": string;
  group?: string;
  name: string;
  version?: string;
  description?: string;
  licenses?: CdxLicenseChoice[];
  purl?: string;
  properties?: CdxProperty[];
}

interface CdxSource {
  name: string;
  url: string;
}

interface CdxRating {
  score?: number;
  severity: "critical" | "high" | "medium" | "low" | "none" | "unknown";
  method?: "CVSSv4" | "CVSSv31" | "CVSSv3" | "CVSSv2" | "other";
  vector?: string;
}

interface CdxVulnerability {
  "bom-ref": string;
  id: string;
  source: CdxSource;
  references?: { id: string; source: CdxSource }[];
  ratings: CdxRating[];
  description?: string;
  recommendation: string;
  advisories?: { url: string }[];
  affects: { ref: string; versions: { version: string; status: "affected" }[] }[];
  properties: CdxProperty[];
}

interface CdxBom {
  $schema: string;
  bomFormat: "CycloneDX";
  specVersion: "1.6";
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: "application"; name: string; version: string }[] };
    component: CdxComponent;
  };
  components: CdxComponent[];
  vulnerabilities?: CdxVulnerability[];
}

/** The report as a CycloneDX 1.6 JSON BOM: the image, its packages, and findings as vulnerabilities. */
export function renderCycloneDx(report: ScanReport): string {
  const imageRef = imageBomRef(report.image);
  const packages = packagesInOrder(report.packages);
  const isSpdxExpression = spdxExpressionCheck();
  const bom: CdxBom = {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${nameUuid(`strata:cyclonedx:${imageRef}:${report.scannedAt}`)}`,
    version: 1,
    metadata: {
      timestamp: report.scannedAt,
      tools: { components: [{ type: "application", name: report.scanner.name, version: report.scanner.version }] },
      component: imageComponent(report.image, imageRef, report.layers),
    },
    components: [
      ...(report.distro ? [distroComponent(report.distro)] : []),
      ...packages.map((pkg) => packageComponent(pkg, isSpdxExpression)),
    ],
    ...(report.vulnerabilities
      ? { vulnerabilities: findingsInOrder(report.vulnerabilities.findings).map(vulnerability) }
      : {}),
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** Package ids are 16 hex digits, so this prefix keeps the image's reference apart from theirs. */
function imageBomRef(image: ImageDescription): string {
  return `image:${imageDigest(image) ?? image.reference}`;
}

function imageComponent(image: ImageDescription, bomRef: string, layers: readonly Layer[]): CdxComponent {
  const digest = imageDigest(image);
  const platform = platformText(image);
  const properties: CdxProperty[] = [
    { name: "strata:image:kind", value: image.kind },
    { name: "strata:image:reference", value: image.reference },
    ...optionalProperty("strata:image:manifestDigest", image.manifestDigest),
    ...optionalProperty("strata:image:configDigest", image.configDigest),
    ...image.tags.map((tag) => ({ name: "strata:image:tag", value: tag })),
    ...optionalProperty("strata:image:platform", platform),
    ...optionalProperty("strata:image:created", image.created),
  ];
  for (const layer of [...layers].sort((a, b) => a.index - b.index)) {
    const prefix = `strata:layer:${layer.index}`;
    properties.push(
      { name: `${prefix}:digest`, value: layer.digest },
      { name: `${prefix}:diffId`, value: layer.diffId },
      { name: `${prefix}:size`, value: String(layer.size) },
      { name: `${prefix}:mediaType`, value: layer.mediaType },
      ...optionalProperty(`${prefix}:createdBy`, layer.createdBy),
    );
  }
  return {
    type: "container",
    "bom-ref": bomRef,
    name: imageName(image),
    ...(digest === undefined ? {} : { version: digest }),
    properties,
  };
}

function distroComponent(distro: Distro): CdxComponent {
  return {
    type: "operating-system",
    "bom-ref": `os:${distro.id}${distro.versionId === undefined ? "" : `@${distro.versionId}`}`,
    name: distro.id,
    ...(distro.versionId === undefined ? {} : { version: distro.versionId }),
    ...(distro.prettyName === undefined ? {} : { description: distro.prettyName }),
  };
}

function packageComponent(pkg: Package, isSpdxExpression: (text: string) => boolean): CdxComponent {
  const licenses = licenseChoices(pkg.licenses, isSpdxExpression);
  const group = pkg.metadata.kind === "java" ? pkg.metadata.groupId : undefined;
  const properties: CdxProperty[] = [
    { name: "strata:foundBy", value: pkg.foundBy },
    { name: "strata:layer:index", value: String(pkg.layer.index) },
    { name: "strata:layer:digest", value: pkg.layer.digest },
    { name: "strata:layer:diffId", value: pkg.layer.diffId },
  ];
  pkg.locations.forEach((location, n) => {
    properties.push(
      { name: `strata:location:${n}:path`, value: location.path },
      ...optionalProperty(`strata:location:${n}:inside`, location.inside),
      { name: `strata:location:${n}:layerDiffId`, value: location.layer.diffId },
    );
  });
  if (pkg.ownedBy) properties.push({ name: "strata:ownedBy", value: pkg.ownedBy.id });
  return {
    type: "library",
    "bom-ref": pkg.id,
    ...(group === undefined ? {} : { group }),
    name: pkg.name,
    ...(pkg.version === "" ? {} : { version: pkg.version }),
    ...(licenses.length === 0 ? {} : { licenses }),
    ...(pkg.purl === "" ? {} : { purl: pkg.purl }),
    properties,
  };
}

/**
 * CycloneDX takes either a list of licenses (each an SPDX id it lists, or a free name) or one
 * expression alone. Listed ids stay ids; when any license is a compound expression and all the others
 * are SPDX too, they become one expression joined by AND; names that are not SPDX stay names.
 */
export function licenseChoices(
  licenses: readonly string[],
  isSpdxExpression: (text: string) => boolean = spdxExpressionCheck(),
): CdxLicenseChoice[] {
  const texts = distinctLicenses(licenses);
  const listed = (text: string): boolean => SPDX.isSupportedSpdxId(text);
  if (texts.length > 0 && texts.every((text) => listed(text) || isSpdxExpression(text)) && !texts.every(listed))
    return [{ expression: allOf(texts), acknowledgement: "declared" }];
  return texts.map((text) =>
    listed(text)
      ? { license: { id: text, acknowledgement: "declared" } }
      : { license: { name: text, acknowledgement: "declared" } },
  );
}

function vulnerability(finding: Finding): CdxVulnerability {
  const advisories = finding.references.filter((url) => URL.canParse(url)).map((url) => ({ url }));
  return {
    "bom-ref": `${finding.id}:${finding.packageId}`,
    id: finding.id,
    source: sourceOf(finding.id),
    ...(finding.aliases.length === 0
      ? {}
      : { references: finding.aliases.map((alias) => ({ id: alias, source: sourceOf(alias) })) }),
    ratings: [rating(finding.severity)],
    ...(finding.summary === undefined ? {} : { description: finding.summary }),
    recommendation:
      finding.fixedVersions.length === 0
        ? `No fixed version of ${finding.packageName} is known.`
        : `Upgrade ${finding.packageName} to ${finding.fixedVersions.join(" or ")}.`,
    ...(advisories.length === 0 ? {} : { advisories }),
    affects: [{ ref: finding.packageId, versions: [{ version: finding.installedVersion, status: "affected" }] }],
    properties: [
      { name: "strata:detection", value: finding.detection },
      { name: "strata:layer:index", value: String(finding.layer.index) },
      ...finding.advisories.map((id) => ({ name: "strata:advisory", value: id })),
    ],
  };
}

function rating(severity: Severity): CdxRating {
  const method = ratingMethod(severity);
  return {
    ...(severity.score === undefined ? {} : { score: severity.score }),
    severity: severity.rating,
    ...(method === undefined ? {} : { method }),
    ...(severity.vector === undefined ? {} : { vector: severity.vector }),
  };
}

function ratingMethod(severity: Severity): CdxRating["method"] {
  switch (severity.source) {
    case "CVSS_V4":
      return "CVSSv4";
    case "CVSS_V3":
      return severity.vector?.startsWith("CVSS:3.1/") ? "CVSSv31" : "CVSSv3";
    case "CVSS_V2":
      return "CVSSv2";
    case "none":
      return undefined;
    default:
      return "other";
  }
}

/** Who publishes an identifier, from its prefix; OSV serves every identifier it aggregates. */
function sourceOf(id: string): CdxSource {
  if (id.startsWith("CVE-")) return { name: "NVD", url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (id.startsWith("GHSA-")) return { name: "GitHub", url: `https://github.com/advisories/${id}` };
  return { name: "OSV", url: `https://osv.dev/vulnerability/${encodeURIComponent(id)}` };
}

function optionalProperty(name: string, value: string | undefined): CdxProperty[] {
  return value === undefined ? [] : [{ name, value }];
}
