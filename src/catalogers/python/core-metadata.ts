/**
 * The header block of a Python core metadata file (PKG-INFO, METADATA): RFC 822-style
 * "Field: value" lines, continuation lines indented by a space or tab, ended by the first blank
 * line (the body that follows is the long description, not read here).
 */
export interface CoreMetadata {
  /**
   * Field name in lower case without dashes ("authoremail", "licensefile") → every value, in order;
   * continuation lines are joined with "\n" (except Description's, which are skipped).
   */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** Set when the header block ran past the line cap and was cut there. */
  readonly truncated?: string;
}

/** More header lines than any real metadata file has (long descriptions included); reading stops there. */
const maxHeaderLines = 100_000;

/** Fields whose continuation lines are skipped: the long description is not read. */
const firstLineOnly = new Set(["description"]);

/** RFC 7230 token characters: what a field name may contain. */
const fieldName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const decoder = new TextDecoder("utf-8");

/**
 * Reads the header block. Field names are compared without case and without dashes, so
 * "License-File", "LicenseFile" and "license-file" are one field. A line that is neither a field
 * nor a continuation ends the block, as a mail parser would: whatever follows is body text.
 * Bytes that are not valid UTF-8 become U+FFFD; they never stop the reading.
 */
export function readCoreMetadata(content: Uint8Array): CoreMetadata {
  const text = decoder.decode(content).replace(/^\uFEFF/, "");
  const fields = new Map<string, string[]>();
  let current: { values: string[]; index: number; continued: boolean } | undefined;
  let lines = 0;
  for (let start = 0; start < text.length; ) {
    const end = nextLineEnd(text, start);
    const line = text.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    if (++lines > maxHeaderLines) return { fields, truncated: `more than ${maxHeaderLines} header lines` };

    if (line === "") {
      // Empty lines before the first field are skipped; after it they end the header block. A line
      // of spaces is a continuation (an empty line of an indented description), as in mail headers.
      if (fields.size > 0) break;
      continue;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (current?.continued) current.values[current.index] = `${current.values[current.index] ?? ""}\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!fieldName.test(name)) break;
    const key = name.toLowerCase().replaceAll("-", "");
    const values = fields.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(key, values);
    current = { values, index: values.length - 1, continued: !firstLineOnly.has(key) };
  }
  return { fields };
}

function nextLineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end < 0 ? text.length : end;
}

/** The first value of a field, trimmed, when it is not empty. */
export function field(metadata: CoreMetadata, key: string): string | undefined {
  const value = metadata.fields.get(key)?.[0]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** Every non-empty value of a field, trimmed, in order. */
export function fieldValues(metadata: CoreMetadata, key: string): string[] {
  return (metadata.fields.get(key) ?? []).map((value) => value.trim()).filter((value) => value !== "");
}
