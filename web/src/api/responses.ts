import { type SeverityRating, severityRatings } from "../../../src/model/finding.ts";
import { child, count, counts, list, object, oneOf, optionalCount, optionalText, text, textList } from "./decode.ts";

/** What the UI reads from the API (backend/README.md), each with the decoder that checks it. */

export type SeverityCounts = Record<SeverityRating, number>;

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

export interface Distro {
  id: string;
  version: string | null;
  name: string | null;
}

export interface ImageSummary {
  id: string;
  reference: string;
  tags: string[];
  platform: string | null;
  distro: Distro | null;
  created: string | null;
  scannedAt: string;
  lastSeen: string;
  packages: number;
  findings: number;
  severities: SeverityCounts;
}

export interface LayerDetails {
  index: number;
  digest: string;
  diffId: string;
  size: number;
  createdBy: string | null;
  created: string | null;
  packages: number;
  findings: number;
  severities: SeverityCounts;
}

export interface ImageDetails extends ImageSummary {
  manifestDigest: string | null;
  configDigest: string | null;
  ecosystems: Map<string, number>;
  layers: LayerDetails[];
}

export interface PackageRow {
  id: string;
  name: string;
  version: string;
  ecosystem: string;
  purl: string;
  licenses: string[];
  layer: number;
  path: string | null;
  findings: number;
}

export interface VulnerabilityRow {
  id: string;
  aliases: string[];
  summary: string | null;
  rating: SeverityRating;
  score: number | null;
  packageId: string;
  packageName: string;
  installed: string;
  ecosystem: string;
  fixedVersions: string[];
  detection: "os" | "sca";
  layer: number;
  /** The advisories' references (web addresses, as the advisories give them). */
  references: string[];
}

function severityCounts(from: object, where: string): SeverityCounts {
  const at = `${where}.severities`;
  const value = child(from, "severities", where);
  return {
    critical: count(value, "critical", at),
    high: count(value, "high", at),
    medium: count(value, "medium", at),
    low: count(value, "low", at),
    none: count(value, "none", at),
    unknown: count(value, "unknown", at),
  };
}

function distro(from: object, where: string): Distro | null {
  const value: unknown = Reflect.get(from, "distro");
  if (value === null || value === undefined) return null;
  const at = `${where}.distro`;
  const found = object(value, at);
  return {
    id: text(found, "id", at),
    version: optionalText(found, "version", at),
    name: optionalText(found, "name", at),
  };
}

export function imageSummary(value: unknown, where = "image"): ImageSummary {
  const from = object(value, where);
  return {
    id: text(from, "id", where),
    reference: text(from, "reference", where),
    tags: textList(from, "tags", where),
    platform: optionalText(from, "platform", where),
    distro: distro(from, where),
    created: optionalText(from, "created", where),
    scannedAt: text(from, "scannedAt", where),
    lastSeen: text(from, "lastSeen", where),
    packages: count(from, "packages", where),
    findings: count(from, "findings", where),
    severities: severityCounts(from, where),
  };
}

function layerDetails(value: unknown, where: string): LayerDetails {
  const from = object(value, where);
  return {
    index: count(from, "index", where),
    digest: text(from, "digest", where),
    diffId: text(from, "diffId", where),
    size: count(from, "size", where),
    createdBy: optionalText(from, "createdBy", where),
    created: optionalText(from, "created", where),
    packages: count(from, "packages", where),
    findings: count(from, "findings", where),
    severities: severityCounts(from, where),
  };
}

export function imageDetails(value: unknown): ImageDetails {
  const where = "image";
  const from = object(value, where);
  return {
    ...imageSummary(value, where),
    manifestDigest: optionalText(from, "manifestDigest", where),
    configDigest: optionalText(from, "configDigest", where),
    ecosystems: counts(from, "ecosystems", where),
    layers: list(from, "layers", where, layerDetails),
  };
}

function packageRow(value: unknown, where: string): PackageRow {
  const from = object(value, where);
  return {
    id: text(from, "id", where),
    name: text(from, "name", where),
    version: text(from, "version", where),
    ecosystem: text(from, "ecosystem", where),
    purl: text(from, "purl", where),
    licenses: textList(from, "licenses", where),
    layer: count(from, "layer", where),
    path: optionalText(from, "path", where),
    findings: count(from, "findings", where),
  };
}

function vulnerabilityRow(value: unknown, where: string): VulnerabilityRow {
  const from = object(value, where);
  const severity = child(from, "severity", where);
  const pkg = child(from, "package", where);
  return {
    id: text(from, "id", where),
    aliases: textList(from, "aliases", where),
    summary: optionalText(from, "summary", where),
    rating: oneOf(severity, "rating", `${where}.severity`, severityRatings),
    score: optionalCount(severity, "score", `${where}.severity`),
    packageId: text(pkg, "id", `${where}.package`),
    packageName: text(pkg, "name", `${where}.package`),
    installed: text(pkg, "version", `${where}.package`),
    ecosystem: text(pkg, "ecosystem", `${where}.package`),
    fixedVersions: textList(from, "fixedVersions", where),
    detection: oneOf(from, "detection", where, ["os", "sca"] as const),
    layer: count(from, "layer", where),
    references: textList(from, "references", where),
  };
}

function page<T>(item: (value: unknown, where: string) => T): (value: unknown) => Page<T> {
  return (value) => {
    const from = object(value, "page");
    return {
      items: list(from, "items", "page", item),
      page: count(from, "page", "page"),
      limit: count(from, "limit", "page"),
      total: count(from, "total", "page"),
    };
  };
}

export const imagePage = page(imageSummary);
export const packagePage = page(packageRow);
export const vulnerabilityPage = page(vulnerabilityRow);
