/** One paragraph of a deb822 (RFC-822 style) file such as /var/lib/dpkg/status. */
export interface Stanza {
  /** 1-based line of the stanza's first field. */
  line: number;
  /** Values by lower-cased field name; continuation lines are joined with "\n", each trimmed. */
  fields: Map<string, string>;
}

export interface Deb822Result {
  stanzas: Stanza[];
  issues: string[];
}

const maxIssues = 20;

/** Splits text into stanzas. Lines it cannot read become issues and are skipped; it never throws. */
export function readStanzas(text: string): Deb822Result {
  const stanzas: Stanza[] = [];
  const issues: string[] = [];
  const note = (message: string): void => {
    if (issues.length < maxIssues) issues.push(message);
    else if (issues.length === maxIssues) issues.push("further problems not listed");
  };

  let current: Stanza | undefined;
  // The field a continuation line extends; null while skipping a duplicate field's continuations.
  let field: string | null | undefined;

  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const lineNumber = index + 1;

    if (line.trim() === "") {
      if (current) stanzas.push(current);
      current = undefined;
      field = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;

    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (field === null) continue;
      if (!current || field === undefined) {
        note(`line ${lineNumber}: continuation line outside a field`);
        continue;
      }
      current.fields.set(field, `${current.fields.get(field) ?? ""}\n${line.trim()}`);
      continue;
    }

    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (name === "" || /\s/.test(name)) {
      note(`line ${lineNumber}: expected "Field: value"`);
      field = undefined;
      continue;
    }
    current ??= { line: lineNumber, fields: new Map() };
    const key = name.toLowerCase();
    if (current.fields.has(key)) {
      note(`line ${lineNumber}: duplicate field "${name}" (first value kept)`);
      field = null;
      continue;
    }
    current.fields.set(key, line.slice(colon + 1).trim());
    field = key;
  }
  if (current) stanzas.push(current);
  return { stanzas, issues };
}
