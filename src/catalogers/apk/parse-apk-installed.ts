import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { Distro } from "../../model/distro.ts";
import type { ApkMetadata } from "../../model/package.ts";
import { distroQualifier, packageUrl } from "../purl.ts";
import { declaredLicenses } from "../declared-licenses.ts";

/** The fields of one entry we keep, by their one-letter keys (see the apk spec). */
interface Entry {
  line: number;
  fields: Map<string, string>;
}

const maxIssues = 20;

/**
 * Packages from an apk installed database (/lib/apk/db/installed): entries of "K:value" lines
 * separated by blank lines. Unreadable lines and entries without a name or version become issues.
 */
export function parseApkInstalled(content: Buffer, distro: Distro | undefined): ParseResult {
  const issues: string[] = [];
  const note = (message: string): void => {
    if (issues.length < maxIssues) issues.push(message);
    else if (issues.length === maxIssues) issues.push("further problems not listed");
  };

  const entries: Entry[] = [];
  let current: Entry | undefined;
  const lines = content.toString("utf8").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? "").replace(/\r$/, "");
    if (line.trim() === "") {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const match = /^([A-Za-z]):(.*)$/.exec(line);
    if (!match?.[1]) {
      note(`line ${index + 1}: expected "K:value"`);
      continue;
    }
    const [, key, value = ""] = match;
    if (key === "P" && current?.fields.has("P")) {
      note(`line ${index + 1}: new package without a blank line before it`);
      entries.push(current);
      current = undefined;
    }
    current ??= { line: index + 1, fields: new Map() };
    // File records (F, R, a, M, Z) repeat; only the package fields are kept, first value wins.
    if (!current.fields.has(key)) current.fields.set(key, value.trim());
  }
  if (current) entries.push(current);

  const packages: PackageDraft[] = [];
  for (const entry of entries) {
    const name = entry.fields.get("P") ?? "";
    const version = entry.fields.get("V") ?? "";
    if (name === "") {
      note(`entry at line ${entry.line}: no package name (P:), skipped`);
    } else if (version === "") {
      note(`package ${name}: no version (V:), skipped`);
    } else {
      const draft = toDraft(name, version, entry.fields, distro);
      if (draft instanceof Error) note(`package ${name}: no purl: ${draft.message}`);
      else packages.push(draft);
    }
  }
  return { packages, issues };
}

function toDraft(
  name: string,
  version: string,
  fields: Map<string, string>,
  distro: Distro | undefined,
): PackageDraft | Error {
  const text = (key: string): string | undefined => fields.get(key) || undefined;
  const origin = text("o");
  const architecture = text("A");
  const maintainer = text("m");
  const url = text("U");
  const description = text("T");
  const checksum = text("C");
  const gitCommit = text("c");
  const size = integer(text("S"));
  const installedSize = integer(text("I"));

  const metadata: ApkMetadata = {
    kind: "apk",
    ...(origin !== undefined && { origin }),
    ...(architecture !== undefined && { architecture }),
    ...(maintainer !== undefined && { maintainer }),
    ...(url !== undefined && { url }),
    ...(description !== undefined && { description }),
    ...(checksum !== undefined && { checksum }),
    ...(gitCommit !== undefined && { gitCommit }),
    ...(size !== undefined && { size }),
    ...(installedSize !== undefined && { installedSize }),
    dependencies: words(text("D")),
    provides: words(text("p")),
  };

  const purl = packageUrl({
    type: "apk",
    namespace: distro?.id.toLowerCase() ?? "alpine",
    name,
    version,
    qualifiers: {
      arch: architecture,
      distro: distroQualifier(distro),
      upstream: origin !== undefined && origin !== name ? origin : undefined,
    },
  });
  if (purl instanceof Error) return purl;
  return { name, version, purl, licenses: declaredLicenses(text("L")), metadata };
}

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((word) => word !== "");
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
