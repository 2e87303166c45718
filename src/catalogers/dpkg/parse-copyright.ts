/**
 * License names from a Debian copyright file (/usr/share/doc/<package>/copyright), in order of
 * first appearance, without duplicates:
 * - in machine-readable (DEP-5) files, every `License:` field; "A or B" / "A and B" give both names;
 * - in any file, references to /usr/share/common-licenses/<name>.
 * No license text is classified; a free-form file without such references gives nothing.
 */
export function copyrightLicenses(text: string): string[] {
  const found = new Set<string>();
  const add = (candidate: string): void => {
    const name = candidate.trim().replace(/[.,;]+$/, "");
    if (name !== "" && name.toLowerCase() !== "none") found.add(name);
  };

  const machineReadable = isDep5(text);
  for (const line of text.split("\n")) {
    if (machineReadable) {
      const field = /^License:[ \t]*(.*)$/i.exec(line.trimEnd());
      if (field?.[1]) splitAlternatives(field[1]).forEach(add);
    }
    for (const match of line.matchAll(commonLicenseReference)) {
      if (match[1]) add(match[1]);
    }
  }
  return [...found];
}

const commonLicenseReference = /\/usr\/share\/common-licenses\/([0-9A-Za-z_.-]+)/g;

/** DEP-5 files start with a Format field naming the copyright-format spec (or its draft, "dep5"). */
function isDep5(text: string): boolean {
  const first = text.split("\n").find((line) => line.trim() !== "") ?? "";
  return /^Format(?:-Specification)?:\s*\S*(?:copyright-format|dep5)/i.test(first.trim());
}

/** "GPL-2+ or Artistic-1.0" → both; "GPL-2+ with OpenSSL exception" stays one name. */
function splitAlternatives(value: string): string[] {
  return value.split(/\s+(?:or|and)\s+|\s*,\s*/i);
}
