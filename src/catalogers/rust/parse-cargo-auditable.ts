import { inflateSync } from "node:zlib";
import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import { errorMessage } from "../../errors.ts";
import { parseJson } from "../json-values.ts";
import { crateDraft, crateId, issueList } from "./crate.ts";
import { findSections } from "./executable-sections.ts";

/** The section cargo-auditable writes (ELF and PE; Mach-O puts it in the __DATA segment). */
export const auditSection = ".dep-v0";
/** Inflated audit data larger than this is refused: real ones are a few KiB to a few hundred KiB. */
export const maxAuditJsonBytes = 8 * 1024 * 1024;

const maxIssues = 20;

/** One entry of the audit data's "packages" array, checked. */
interface AuditCrate {
  name: string;
  version: string;
  source: string;
  build: boolean;
  dependencies: number[];
  root: boolean;
}

/**
 * Crates recorded by cargo-auditable in an executable: the zlib-compressed JSON of the .dep-v0
 * section, `{"packages":[{"name","version","source","kind","dependencies":[indices],"root"}]}`.
 * An executable without the section gives nothing, quickly: only its section table is read.
 * Build-time crates (`"kind": "build"`) are left out, as Syft and Trivy do.
 */
export function parseCargoAuditable(content: Buffer): ParseResult {
  const sections = findSections(content, auditSection);
  if (sections instanceof Error) return { packages: [], issues: [sections.message] };
  if (sections.length === 0) return { packages: [], issues: [] };

  const { issues, note } = issueList(maxIssues);
  // A universal Mach-O holds one section per architecture: crates are merged across them.
  const merged = new Map<string, { crate: AuditCrate; dependencies: Set<string> }>();
  for (const section of sections) {
    const crates = readAuditData(section, note);
    for (const crate of crates) {
      if (crate === undefined || crate.build) continue;
      const key = `${crate.name}\0${crate.version}\0${crate.source}`;
      const entry = merged.get(key) ?? { crate, dependencies: new Set<string>() };
      entry.crate.root ||= crate.root;
      for (const index of crate.dependencies) {
        const dependency = crates[index];
        if (dependency && !dependency.build) entry.dependencies.add(crateId(dependency.name, dependency.version));
      }
      merged.set(key, entry);
    }
  }

  const packages: PackageDraft[] = [];
  for (const { crate, dependencies } of merged.values()) {
    const draft = crateDraft({
      name: crate.name,
      version: crate.version,
      local: crate.source === "local",
      metadata: {
        kind: "cargo",
        ...(crate.source !== "" && { source: crate.source }),
        dependencies: [...dependencies].sort(),
        ...(crate.root && { root: true }),
      },
    });
    if (draft instanceof Error) note(`crate ${crate.name}: no purl: ${draft.message}`);
    else packages.push(draft);
  }
  return { packages, issues };
}

/** The crates of one section, by their index in the JSON (undefined where an entry is unusable). */
function readAuditData(section: Buffer, note: (message: string) => void): Array<AuditCrate | undefined> {
  let json: Buffer;
  try {
    json = inflateSync(section, { maxOutputLength: maxAuditJsonBytes });
  } catch (error) {
    if (
      error instanceof RangeError ||
      (error instanceof Error && "code" in error && error.code === "ERR_BUFFER_TOO_LARGE")
    ) {
      note(`${auditSection}: the audit data inflates to more than ${maxAuditJsonBytes} bytes; not read`);
    } else {
      note(`${auditSection}: not zlib-compressed audit data: ${errorMessage(error)}`);
    }
    return [];
  }
  const document = parseJson(json);
  if ("problem" in document) {
    const invalid = "invalid JSON: ";
    const { problem } = document;
    note(
      problem.startsWith(invalid)
        ? `${auditSection}: the audit data is not JSON: ${problem.slice(invalid.length)}`
        : `${auditSection}: the audit data is not read: ${problem}`,
    );
    return [];
  }
  const parsed = document.value;
  const entries = isObject(parsed) ? parsed["packages"] : undefined;
  if (!Array.isArray(entries)) {
    note(`${auditSection}: the audit data has no "packages" array`);
    return [];
  }
  const crates = entries.map((entry: unknown, index) => toCrate(entry, index, entries.length, note));
  return crates;
}

function toCrate(
  entry: unknown,
  index: number,
  count: number,
  note: (message: string) => void,
): AuditCrate | undefined {
  if (!isObject(entry)) {
    note(`${auditSection}: package ${index} is not an object`);
    return undefined;
  }
  const name = entry["name"];
  const version = entry["version"];
  if (typeof name !== "string" || name === "" || typeof version !== "string" || version === "") {
    note(`${auditSection}: package ${index} has no name or version; skipped`);
    return undefined;
  }
  const source = entry["source"];
  const rawDependencies = entry["dependencies"] ?? [];
  const dependencies = Array.isArray(rawDependencies)
    ? rawDependencies.filter((d): d is number => Number.isInteger(d) && typeof d === "number" && d >= 0 && d < count)
    : [];
  if (!Array.isArray(rawDependencies) || dependencies.length !== rawDependencies.length) {
    note(`${auditSection}: crate ${name} ${version}: dependencies that are not package indices were ignored`);
  }
  return {
    name,
    version,
    source: typeof source === "string" ? source : "",
    build: entry["kind"] === "build",
    dependencies,
    root: entry["root"] === true,
  };
}

function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
