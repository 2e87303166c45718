import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { Distro } from "../../model/distro.ts";
import type { RpmMetadata } from "../../model/package.ts";
import { distroQualifier, packageUrl } from "../purl.ts";
import { berkeleyDbValues, isBerkeleyDb } from "./bdb.ts";
import { isNdb, ndbValues } from "./ndb.ts";
import {
  binTag,
  int32Tag,
  int64Tag,
  readHeader,
  type RpmHeader,
  rpmTag,
  stringArrayTag,
  stringTag,
  type TagValue,
} from "./rpm-header.ts";
import { isSqlite, sqliteValues } from "./sqlite.ts";

/** Headers read per database; real ones hold a few thousand packages. */
const maxPackages = 100_000;
/** Provides and requires names kept per database, all packages together: bounds memory on hostile input. */
const maxListEntries = 1_000_000;
/** Strings in one provides or requires tag. */
const maxTagStrings = 100_000;
/** Problems listed per file before the rest are only counted. */
const maxListedProblems = 20;

/** Installed packages from an rpm database: Berkeley DB, ndb or SQLite, told apart by their content. */
export function parseRpmDb(content: Buffer, distro: Distro | undefined): ParseResult {
  const database = detectFormat(content);
  if (database === undefined) {
    return { packages: [], issues: ["not an rpm database (no SQLite, ndb or Berkeley DB magic)"] };
  }
  const issues: string[] = [];
  const values = database === "sqlite" ? sqliteValues : database === "ndb" ? ndbValues : berkeleyDbValues;
  const packages: PackageDraft[] = [];
  let problems = 0;
  const problem = (message: string): void => {
    problems++;
    if (problems <= maxListedProblems) issues.push(message);
  };
  const budget: ListBudget = { listEntries: maxListEntries, exhausted: false };
  let headers = 0;
  for (const blob of values(content, issues)) {
    if (++headers > maxPackages) {
      issues.push(`more than ${maxPackages} package headers; the rest are not read`);
      break;
    }
    const header = readHeader(blob);
    if (header instanceof Error) {
      problem(`package header ${headers}: ${header.message}; skipped`);
      continue;
    }
    const read = readPackage(header, database, budget);
    const label = read.name ?? "no name";
    for (const message of read.problems) problem(`package header ${headers} (${label}): ${message}`);
    // Imported signing keys are stored as "gpg-pubkey" headers: keys, not software.
    if (read.package === undefined || read.package.name === "gpg-pubkey") continue;
    const draft = toDraft(read.package, distro);
    if (draft instanceof Error) problem(`package ${read.package.name}: no purl: ${draft.message}`);
    else packages.push(draft);
  }
  if (problems > maxListedProblems) issues.push(`${problems - maxListedProblems} more problems`);
  if (budget.exhausted) {
    issues.push(`more than ${maxListEntries} provides and requires names; the lists beyond that are left empty`);
  }
  return { packages, issues };
}

function detectFormat(content: Buffer): RpmMetadata["database"] | undefined {
  if (isSqlite(content)) return "sqlite";
  if (isNdb(content)) return "ndb";
  if (isBerkeleyDb(content)) return "bdb";
  return undefined;
}

interface ListBudget {
  listEntries: number;
  exhausted: boolean;
}

interface RpmPackage {
  name: string;
  license: string | undefined;
  metadata: RpmMetadata;
}

interface ReadPackage {
  name: string | undefined;
  /** Undefined when the header names no package or version. */
  package: RpmPackage | undefined;
  problems: string[];
}

function readPackage(header: RpmHeader, database: RpmMetadata["database"], budget: ListBudget): ReadPackage {
  const problems: string[] = [];
  const value = <T>(read: TagValue<T>): T | undefined => {
    if (!(read instanceof Error)) return read;
    problems.push(read.message);
    return undefined;
  };
  // rpm prints "(none)" for an unset tag; some tools wrote that text into headers.
  const text = (tag: number): string | undefined => {
    const read = value(stringTag(header, tag));
    return read === "" || read === "(none)" ? undefined : read;
  };
  const names = (tag: number): string[] => {
    const read = value(stringArrayTag(header, tag, maxTagStrings)) ?? [];
    if (read.length > budget.listEntries) {
      budget.exhausted = true;
      return [];
    }
    budget.listEntries -= read.length;
    return read;
  };

  const name = text(rpmTag.name);
  const version = text(rpmTag.version);
  if (name === undefined || version === undefined) {
    problems.push(name === undefined ? "no NAME tag; skipped" : "no VERSION tag; skipped");
    return { name, package: undefined, problems };
  }
  const epoch = value(int32Tag(header, rpmTag.epoch));
  const arch = text(rpmTag.arch);
  const sourceRpm = text(rpmTag.sourceRpm);
  const vendor = text(rpmTag.vendor);
  const size = value(int32Tag(header, rpmTag.size)) ?? value(int64Tag(header, rpmTag.longSize));
  const modularityLabel = text(rpmTag.modularityLabel);
  const sigmd5 = value(binTag(header, rpmTag.sigmd5))?.toString("hex");
  const metadata: RpmMetadata = {
    kind: "rpm",
    version,
    release: text(rpmTag.release) ?? "",
    ...(epoch !== undefined && { epoch }),
    ...(arch !== undefined && { arch }),
    ...(sourceRpm !== undefined && { sourceRpm }),
    ...(vendor !== undefined && { vendor }),
    ...(size !== undefined && { size }),
    ...(modularityLabel !== undefined && { modularityLabel }),
    ...(sigmd5 !== undefined && { sigmd5 }),
    provides: names(rpmTag.provideName),
    requires: names(rpmTag.requireName),
    database,
  };
  return { name, package: { name, license: text(rpmTag.license), metadata }, problems };
}

function toDraft({ name, license, metadata }: RpmPackage, distro: Distro | undefined): PackageDraft | Error {
  const { epoch } = metadata;
  const versionRelease = metadata.release === "" ? metadata.version : `${metadata.version}-${metadata.release}`;
  const purl = packageUrl({
    type: "rpm",
    namespace: purlNamespace(distro),
    name,
    // The purl-spec rpm type keeps the epoch out of the version, as a qualifier.
    version: versionRelease,
    qualifiers: {
      arch: metadata.arch,
      epoch: epoch === undefined ? undefined : String(epoch),
      upstream: metadata.sourceRpm,
      distro: distroQualifier(distro),
    },
  });
  if (purl instanceof Error) return purl;
  // Syft's form: "[epoch:]version-release", the epoch only when the header has one.
  const version = epoch === undefined ? versionRelease : `${epoch}:${versionRelease}`;
  return { name, version, purl, licenses: license === undefined ? [] : [license], metadata };
}

/** The distro's id, with Syft's renames: Red Hat's ids become "redhat", openSUSE's flavours "opensuse". */
function purlNamespace(distro: Distro | undefined): string | undefined {
  const id = distro?.id;
  if (id === undefined || id === "") return undefined;
  if (id === "rhel" || id === "hummingbird") return "redhat";
  if (id.startsWith("opensuse")) return "opensuse";
  return id;
}
