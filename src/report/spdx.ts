import type { ImageDescription } from "../model/inventory.ts";
import type { Layer } from "../model/layer.ts";
import type { Package } from "../model/package.ts";
import type { ScanReport } from "../model/report.ts";
import { imageDigest, imageName, layerText, platformText } from "./image-facts.ts";
import { allOf, distinctLicenses, licenseRefsIn, spdxExpressionCheck } from "./licenses.ts";
import { nameUuid } from "./name-uuid.ts";
import { compareText, packagesInOrder } from "./order.ts";

// The subset of SPDX 2.3 JSON that strata writes.

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: "NOASSERTION";
  filesAnalyzed: false;
  licenseConcluded: "NOASSERTION";
  licenseDeclared: string;
  copyrightText: "NOASSERTION";
  externalRefs?: { referenceCategory: "PACKAGE-MANAGER"; referenceType: "purl"; referenceLocator: string }[];
  sourceInfo?: string;
  comment?: string;
  primaryPackagePurpose?: "CONTAINER";
}

interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: "DESCRIBES" | "CONTAINS";
  relatedSpdxElement: string;
}

interface SpdxExtractedLicense {
  licenseId: string;
  name: string;
  extractedText: string;
  comment: string;
}

interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
  hasExtractedLicensingInfos?: SpdxExtractedLicense[];
}

const imageSpdxId = "SPDXRef-Image";

/** The report as an SPDX 2.3 JSON document: the image as a package that contains every package found. */
export function renderSpdx(report: ScanReport): string {
  const packages = packagesInOrder(report.packages);
  const ids = spdxIds(packages);
  const licenses = declaredLicenses(packages);
  const idOf = (pkg: { id: string }): string => ids.get(pkg.id) ?? "";
  const name = imageName(report.image);
  const identity = imageDigest(report.image) ?? report.image.reference;
  const document: SpdxDocument = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name,
    documentNamespace: `https://spdx.org/spdxdocs/strata/${namespaceSegment(name)}-${nameUuid(`strata:spdx:${identity}:${report.scannedAt}`)}`,
    creationInfo: {
      created: spdxTimestamp(report.scannedAt),
      creators: [`Tool: ${report.scanner.name}-${report.scanner.version}`],
    },
    packages: [
      imagePackage(report.image, report.layers),
      ...packages.map((pkg) => packageOf(pkg, idOf(pkg), licenses.declared.get(pkg.id) ?? "NOASSERTION", report)),
    ],
    relationships: [
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: imageSpdxId },
      ...packages.map(
        (pkg): SpdxRelationship => ({
          spdxElementId: imageSpdxId,
          relationshipType: "CONTAINS",
          relatedSpdxElement: idOf(pkg),
        }),
      ),
      ...ownership(packages, ids),
    ],
    ...(licenses.extracted.length === 0 ? {} : { hasExtractedLicensingInfos: licenses.extracted }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function imagePackage(image: ImageDescription, layers: readonly Layer[]): SpdxPackage {
  const digest = imageDigest(image);
  const platform = platformText(image);
  const facts = [
    `Image reference: ${image.reference} (${image.kind}).`,
    ...(image.manifestDigest === undefined ? [] : [`Manifest digest: ${image.manifestDigest}.`]),
    ...(image.configDigest === undefined ? [] : [`Config digest: ${image.configDigest}.`]),
    ...(image.tags.length === 0 ? [] : [`Tags: ${image.tags.join(", ")}.`]),
    ...(platform === undefined ? [] : [`Platform: ${platform}.`]),
    ...[...layers]
      .sort((a, b) => a.index - b.index)
      .map((layer) => `Layer ${layer.index}: digest ${layer.digest}, diffID ${layer.diffId}, ${layer.size} bytes.`),
  ];
  return {
    SPDXID: imageSpdxId,
    name: imageName(image),
    ...(digest === undefined ? {} : { versionInfo: digest }),
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    comment: facts.join("\n"),
    primaryPackagePurpose: "CONTAINER",
  };
}

function packageOf(pkg: Package, spdxId: string, licenseDeclared: string, report: ScanReport): SpdxPackage {
  const where = pkg.locations
    .map((location) => (location.inside === undefined ? location.path : `${location.path} (${location.inside})`))
    .join(", ");
  return {
    SPDXID: spdxId,
    name: pkg.name,
    ...(pkg.version === "" ? {} : { versionInfo: pkg.version }),
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared,
    copyrightText: "NOASSERTION",
    ...(pkg.purl === ""
      ? {}
      : {
          externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: pkg.purl }],
        }),
    sourceInfo: `Introduced in ${layerText(pkg.layer, report.layers)}; found by ${pkg.foundBy} in ${where || "the image"}.`,
  };
}

/** SPDXRef-Package-<id>: ids may hold only letters, digits, "." and "-"; clashes after cleaning get a suffix. */
function spdxIds(packages: readonly Package[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>([imageSpdxId]);
  for (const pkg of packages) {
    const base = `SPDXRef-Package-${pkg.id.replace(/[^A-Za-z0-9.-]+/g, "-")}`;
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
    taken.add(id);
    ids.set(pkg.id, id);
  }
  return ids;
}

/** An OS package contains the language packages installed from its files. */
function ownership(packages: readonly Package[], ids: ReadonlyMap<string, string>): SpdxRelationship[] {
  const relationships: SpdxRelationship[] = [];
  for (const pkg of packages) {
    const owner = pkg.ownedBy === undefined ? undefined : ids.get(pkg.ownedBy.id);
    const owned = ids.get(pkg.id);
    if (owner !== undefined && owned !== undefined)
      relationships.push({ spdxElementId: owner, relationshipType: "CONTAINS", relatedSpdxElement: owned });
  }
  return relationships;
}

/**
 * licenseDeclared per package. SPDX expressions are kept as written; any other name becomes a
 * LicenseRef- whose extracted text is that name, because the license text itself was not read.
 * LicenseRefs written in expressions are reserved first so a cleaned-up name never takes one of them.
 */
function declaredLicenses(packages: readonly Package[]): {
  declared: Map<string, string>;
  extracted: SpdxExtractedLicense[];
} {
  const isSpdxExpression = spdxExpressionCheck();
  const perPackage = packages.map((pkg) => ({ pkg, texts: distinctLicenses(pkg.licenses) }));
  const extracted = new Map<string, SpdxExtractedLicense>();
  for (const { texts } of perPackage)
    for (const text of texts.filter(isSpdxExpression))
      for (const ref of licenseRefsIn(text))
        extracted.set(ref, {
          licenseId: ref,
          name: ref.slice("LicenseRef-".length),
          extractedText: ref,
          comment: "The package metadata names this license reference; its text was not read.",
        });
  const refOfName = new Map<string, string>();
  for (const { texts } of perPackage) {
    for (const text of texts.filter((license) => !isSpdxExpression(license))) {
      if (refOfName.has(text)) continue;
      const base = `LicenseRef-${text.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-+|-+$/g, "") || "unnamed"}`;
      let ref = base;
      for (let n = 2; extracted.has(ref); n += 1) ref = `${base}-${n}`;
      refOfName.set(text, ref);
      extracted.set(ref, {
        licenseId: ref,
        name: text,
        extractedText: text,
        comment: "The package metadata names this license; it is not an SPDX identifier, and its text was not read.",
      });
    }
  }
  const declared = new Map<string, string>();
  for (const { pkg, texts } of perPackage)
    if (texts.length > 0)
      declared.set(pkg.id, allOf(texts.map((text) => (isSpdxExpression(text) ? text : (refOfName.get(text) ?? "")))));
  return { declared, extracted: [...extracted.values()].sort((a, b) => compareText(a.licenseId, b.licenseId)) };
}

/** SPDX wants "YYYY-MM-DDThh:mm:ssZ": UTC, whole seconds. */
function spdxTimestamp(iso: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : `${time.toISOString().slice(0, 19)}Z`;
}

function namespaceSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "image";
}
