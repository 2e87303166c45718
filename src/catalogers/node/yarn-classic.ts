/** One entry of a yarn classic (v1) lock file. */
export interface YarnClassicEntry {
  /** The header's comma-separated specifiers: ["lodash@^4.17.0", "lodash@^4.17.21"]. */
  specifiers: string[];
  /** `key value` lines: version, resolved, integrity… */
  fields: Map<string, string>;
  /** `key:` blocks of `name range` lines: dependencies, optionalDependencies. */
  blocks: Map<string, Map<string, string>>;
  /** 1-based line of the header. */
  line: number;
}

/**
 * Reads yarn's own lockfile syntax (not YAML): comment lines, unindented headers
 * `"a@^1.0.0", a@^1.1.0:`, two-space `key value` fields and `key:` blocks whose four-space lines
 * are `name range`. Strings are bare words or double-quoted with JSON escapes. Lines that fit none
 * of this are reported and skipped.
 */
export function readYarnClassic(source: string, problem: (message: string) => void): YarnClassicEntry[] {
  const entries: YarnClassicEntry[] = [];
  let entry: YarnClassicEntry | undefined;
  let block: Map<string, string> | undefined;
  const lines = source.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    const content = raw.trimStart();
    if (content === "" || content.startsWith("#")) continue;
    const indent = raw.length - content.length;
    if (indent === 0) {
      // A new entry starts here, even when its header turns out unreadable.
      entry = undefined;
      block = undefined;
    }
    const parsed = tokenize(content.trimEnd());
    if (typeof parsed === "string") {
      problem(`line ${lineNumber}: ${parsed}`);
      continue;
    }
    const { tokens, colon } = parsed;
    if (indent === 0) {
      if (!colon || tokens.length === 0) {
        problem(`line ${lineNumber}: expected an entry header ending in ":"`);
        continue;
      }
      entry = { specifiers: tokens, fields: new Map(), blocks: new Map(), line: lineNumber };
      entries.push(entry);
    } else if (entry === undefined) {
      // The body of an unreadable header: already reported.
      continue;
    } else if (indent === 2 && colon && tokens.length === 1 && tokens[0] !== undefined) {
      block = new Map();
      entry.blocks.set(tokens[0], block);
    } else if (indent === 2 && !colon && tokens.length === 2 && tokens[0] !== undefined && tokens[1] !== undefined) {
      block = undefined;
      entry.fields.set(tokens[0], tokens[1]);
    } else if (indent === 4 && block && !colon && tokens[0] !== undefined && tokens[1] !== undefined) {
      block.set(tokens[0], tokens[1]);
    } else if (indent <= 4) {
      problem(`line ${lineNumber}: unexpected "${content.slice(0, 80)}"`);
    }
    // Deeper lines belong to structures this reader does not use.
  }
  return entries;
}

/** Splits a line into strings (commas and spaces separate them); a final ":" opens a block. */
function tokenize(line: string): { tokens: string[]; colon: boolean } | string {
  const tokens: string[] = [];
  let colon = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === ",") {
      i += 1;
      continue;
    }
    if (colon) return 'text after ":"';
    if (c === '"') {
      const end = closingQuote(line, i);
      if (end < 0) return "unterminated string";
      let value: unknown;
      try {
        value = JSON.parse(line.slice(i, end + 1));
      } catch {
        return "invalid string escape";
      }
      if (typeof value !== "string") return "invalid string";
      tokens.push(value);
      i = end + 1;
      if (line[i] === ":") {
        colon = true;
        i += 1;
      }
      continue;
    }
    let end = i;
    while (end < line.length && line[end] !== " " && line[end] !== ",") end += 1;
    let word = line.slice(i, end);
    if (word.endsWith(":") && line.slice(end).trim() === "") {
      word = word.slice(0, -1);
      colon = true;
    }
    if (word !== "") tokens.push(word);
    i = end;
  }
  return { tokens, colon };
}

function closingQuote(line: string, start: number): number {
  for (let i = start + 1; i < line.length; i += 1) {
    if (line[i] === "\\") i += 1;
    else if (line[i] === '"') return i;
  }
  return -1;
}
