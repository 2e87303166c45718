import { InputError, LimitError } from "../../errors.ts";
import { javaArchiveExtensions } from "./archive-extensions.ts";
import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { JavaMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { licensesInText } from "./license-text.ts";
import { sameMavenVersion } from "./maven-version.ts";
import { manifestIdentity, manifestLicenses, parseManifest, type Attribute } from "./parse-manifest.ts";
import { parsePomProperties } from "./parse-pom-properties.ts";
import { parsePomLicenses } from "./parse-pom-xml.ts";
import { readZipDirectory, readZipEntry, type ZipEntry } from "./zip.ts";

/** Caps for one scanned file and everything nested in it. */
export interface ArchiveLimits {
  /** Archives nested deeper than this (the scanned file is depth 0) are not opened. */
  maxDepth: number;
  /** Central-directory entries listed, summed over the file and its nested archives. */
  maxEntries: number;
  /** Bytes inflated, summed over the file and its nested archives (the zip-bomb guard). */
  maxInflatedBytes: number;
  /** Largest nested archive read into memory. */
  maxNestedArchiveBytes: number;
  /** Largest pom.properties, pom.xml, MANIFEST.MF or license file read. */
  maxMetadataBytes: number;
}

const MiB = 1024 * 1024;

export const defaultArchiveLimits: ArchiveLimits = {
  maxDepth: 16,
  maxEntries: 1_000_000,
  maxInflatedBytes: 512 * MiB,
  maxNestedArchiveBytes: 256 * MiB,
  maxMetadataBytes: 4 * MiB,
};

const archiveName = new RegExp(`\\.(${javaArchiveExtensions.join("|")})$`, "i");

/**
 * The Maven packages in a Java archive and in the archives nested in it, at any depth.
 *
 * In each archive: every `pom.properties` (any directory) is a package; then, unless one of them
 * is the archive itself (its artifactId and version are the file name's), the archive is
 * identified from MANIFEST.MF or, failing that, from its file name. `inside` is the path of the
 * file that gave the package, nested archives joined by "!"
 * ("WEB-INF/lib/a.jar!META-INF/maven/g/a/pom.properties"); for a package known only by an
 * archive's file name it is that archive's path (absent for the scanned file itself).
 */
export function parseJavaArchive(
  content: Buffer,
  fileName: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): ParseResult {
  const walk: Walk = {
    limits,
    packages: [],
    issues: [],
    entriesLeft: limits.maxEntries,
    bytesLeft: limits.maxInflatedBytes,
    budgetReported: false,
    entriesReported: false,
  };
  visit(walk, content, fileName, [], 0);
  return { packages: walk.packages, issues: walk.issues };
}

interface Walk {
  limits: ArchiveLimits;
  packages: PackageDraft[];
  issues: string[];
  entriesLeft: number;
  bytesLeft: number;
  /** The inflate budget ran out: said once, later skips are silent. */
  budgetReported: boolean;
  /** The entry budget ran out: said once. */
  entriesReported: boolean;
}

/** A package found in one archive, before it becomes a draft. */
interface Found {
  groupId: string | undefined;
  artifactId: string;
  version: string;
  evidence: JavaMetadata["evidence"];
  /** The evidence file's path in this archive; undefined for the file name. */
  path: string | undefined;
  licenses: string[];
}

function visit(walk: Walk, zip: Buffer, fileName: string, chain: readonly string[], depth: number): void {
  const say = (message: string, entry?: string): void => {
    const where = entry === undefined ? chain : [...chain, entry];
    walk.issues.push(where.length > 0 ? `${where.join("!")}: ${message}` : message);
  };

  let entries: ZipEntry[];
  try {
    const directory = readZipDirectory(zip, walk.entriesLeft);
    entries = directory.entries;
    walk.entriesLeft -= entries.length;
    if (directory.damage !== undefined) say(directory.damage);
    if (directory.truncated) entryLimit(walk, say);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return;
  }

  /** The entry's bytes, or undefined (with an issue) when it is too large, over budget or damaged. */
  const read = (entry: ZipEntry, cap: number): Buffer | undefined => {
    if (entry.size > cap) {
      say(`declares ${entry.size} bytes, more than the ${cap} read; skipped`, entry.name);
      return undefined;
    }
    const inflates = entry.method !== 0;
    if (inflates && entry.size > walk.bytesLeft) {
      if (!walk.budgetReported) {
        say(
          `the limit of ${walk.limits.maxInflatedBytes} inflated bytes for this file was reached; ` +
            "this and later compressed entries are not read",
          entry.name,
        );
        walk.budgetReported = true;
      }
      return undefined;
    }
    try {
      const data = readZipEntry(zip, entry);
      if (inflates) walk.bytesLeft -= data.length;
      return data;
    } catch (error) {
      if (!(error instanceof InputError || error instanceof LimitError)) throw error;
      say(error.message, entry.name);
      return undefined;
    }
  };

  const { limits } = walk;
  const files = entries.filter((entry) => !entry.name.endsWith("/"));
  const readMetadata = (entry: ZipEntry): Buffer | undefined => read(entry, limits.maxMetadataBytes);

  // 1. Every pom.properties, wherever it is (shaded jars carry one per bundled artifact).
  const found = pomPackages(files, readMetadata, say);

  // 2. The archive itself, when no pom.properties describes it: MANIFEST.MF, then the file name.
  const manifestEntry = files.find((entry) => entry.name.toUpperCase() === "META-INF/MANIFEST.MF");
  const manifestContent = manifestEntry && readMetadata(manifestEntry);
  const main: Attribute[] = manifestContent ? parseManifest(manifestContent).main : [];
  const own = ownIdentity(found, main, manifestEntry?.name, fileName);
  if (own) found.push(own);

  // 3. Licenses that belong to the archive as a whole go to its package, when it has exactly one.
  const [only] = found;
  if (only && found.length === 1 && only.licenses.length === 0) {
    only.licenses = manifestLicenses(main);
    if (only.licenses.length === 0) only.licenses = packedLicenses(files, readMetadata);
  }

  for (const p of found) {
    const draft = toDraft(p, chain);
    if (draft instanceof Error) say(`${p.groupId ?? ""}:${p.artifactId}@${p.version}: no purl: ${draft.message}`);
    else walk.packages.push(draft);
  }

  // 4. Nested archives (WEB-INF/lib, BOOT-INF/lib, EAR modules, jar-in-jar), depth first.
  for (const entry of files) {
    if (!archiveName.test(entry.name)) continue;
    if (depth + 1 > limits.maxDepth) {
      say(`nested more than ${limits.maxDepth} archives deep; not read`, entry.name);
      continue;
    }
    if (walk.entriesLeft <= 0) {
      entryLimit(walk, (message) => {
        say(message, entry.name);
      });
      break;
    }
    const nested = read(entry, limits.maxNestedArchiveBytes);
    if (nested !== undefined) visit(walk, nested, baseName(entry.name), [...chain, entry.name], depth + 1);
  }
}

/** One package per usable pom.properties, duplicates dropped, with the licenses of the pom.xml beside it. */
function pomPackages(
  files: readonly ZipEntry[],
  read: (entry: ZipEntry) => Buffer | undefined,
  say: (message: string, entry?: string) => void,
): Found[] {
  const found: Found[] = [];
  const byName = new Map(files.map((entry) => [entry.name, entry]));
  for (const entry of files) {
    if (baseName(entry.name) !== "pom.properties") continue;
    const content = read(entry);
    if (content === undefined) continue;
    const { groupId, artifactId, version } = parsePomProperties(content);
    if (groupId === undefined || artifactId === undefined || version === undefined) {
      if (entry.name.startsWith("META-INF/maven/")) say("no groupId, artifactId or version; skipped", entry.name);
      continue;
    }
    if ([groupId, artifactId, version].some((value) => value.includes("${"))) {
      say(`unresolved property in ${groupId}:${artifactId}:${version}; skipped`, entry.name);
      continue;
    }
    const duplicate = found.some(
      (other) =>
        other.groupId === groupId && other.artifactId === artifactId && sameMavenVersion(other.version, version),
    );
    if (duplicate) continue;
    // Licenses from the pom.xml maven-archiver writes beside it.
    const pomXml = byName.get(`${directoryOf(entry.name)}pom.xml`);
    const pomContent = pomXml && read(pomXml);
    const pom = pomContent ? parsePomLicenses(pomContent) : undefined;
    if (pomXml && pom?.problem !== undefined) {
      say(`not well-formed XML (${pom.problem}); licenses not read`, pomXml.name);
    }
    const licenses = pom?.licenses ?? [];
    found.push({ groupId, artifactId, version, evidence: "pom.properties", path: entry.name, licenses });
  }
  return found;
}

/**
 * The archive's own package when no pom.properties describes it (none has the file name's
 * artifactId and version): from MANIFEST.MF, else from the file name, unless a pom.properties
 * already stands for the same artifact.
 */
function ownIdentity(
  poms: readonly Found[],
  main: readonly Attribute[],
  manifestPath: string | undefined,
  fileName: string,
): Found | undefined {
  const fromName = fileNameIdentity(fileName);
  const describedByPom =
    fromName !== undefined &&
    poms.some(
      (p) =>
        p.version === fromName.version &&
        (p.artifactId === fromName.artifactId || `${p.groupId ?? ""}.${p.artifactId}` === fromName.artifactId),
    );
  if (describedByPom) return undefined;
  const fromManifest = manifestIdentity(main);
  if (fromManifest) {
    // A pom.properties of the same version is the same artifact described twice (a renamed jar).
    if (poms.some((p) => p.version === fromManifest.version)) return undefined;
    return { ...fromManifest, evidence: "manifest", path: manifestPath, licenses: [] };
  }
  if (!fromName || poms.some((p) => p.artifactId === fromName.artifactId || p.version === fromName.version)) {
    return undefined;
  }
  return { ...fromName, groupId: undefined, evidence: "filename", path: undefined, licenses: [] };
}

function entryLimit(walk: Walk, say: (message: string) => void): void {
  if (walk.entriesReported) return;
  walk.entriesReported = true;
  say(`the limit of ${walk.limits.maxEntries} zip entries for this file was reached; later entries are not read`);
}

/** The license file at the archive's root or directly in META-INF/, recognized; none when there are several. */
function packedLicenses(files: readonly ZipEntry[], read: (entry: ZipEntry) => Buffer | undefined): string[] {
  const candidates = files.filter((entry) => {
    const directory = directoryOf(entry.name);
    if (directory !== "" && directory.toUpperCase() !== "META-INF/") return false;
    const stem = baseName(entry.name).replace(/\.[^.]*$/, "");
    return /^(licen[cs]e|copying|copyright)$/i.test(stem) && !archiveName.test(entry.name);
  });
  const [only] = candidates;
  if (!only || candidates.length > 1) return [];
  const content = read(only);
  return content ? licensesInText(content.toString("utf8")) : [];
}

function toDraft(p: Found, chain: readonly string[]): PackageDraft | Error {
  // Without a groupId (file name only) the purl repeats the artifactId as its namespace, as Syft does.
  const purl = packageUrl({
    type: "maven",
    namespace: p.groupId ?? p.artifactId,
    name: p.artifactId,
    version: p.version,
  });
  if (purl instanceof Error) return purl;
  const metadata: JavaMetadata = {
    kind: "java",
    evidence: p.evidence,
    ...(p.groupId !== undefined && { groupId: p.groupId }),
    artifactId: p.artifactId,
    ...(chain.length > 0 && { archive: chain.join("!") }),
  };
  const inside = p.path === undefined ? chain : [...chain, p.path];
  return {
    name: p.groupId === undefined ? p.artifactId : `${p.groupId}:${p.artifactId}`,
    version: p.version,
    purl,
    licenses: p.licenses,
    metadata,
    ...(inside.length > 0 && { inside: inside.join("!") }),
  };
}

/** "spring-core-5.3.4-SNAPSHOT.jar" → spring-core 5.3.4-SNAPSHOT: the name up to the first "-" before a digit. */
export function fileNameIdentity(fileName: string): { artifactId: string; version: string } | undefined {
  const match = /^([A-Za-z0-9._-]+?)-(\d[^\s/]*)$/.exec(fileName.replace(archiveName, ""));
  if (!match?.[1] || !match[2] || !archiveName.test(fileName)) return undefined;
  return { artifactId: match[1], version: match[2] };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** "META-INF/maven/g/a/pom.properties" → "META-INF/maven/g/a/"; "" at the root. */
function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}
