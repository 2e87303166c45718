/**
 * A small lexer for the Ruby that gemspec files are written in. It reads literals (strings in all
 * their quotings, %w word lists, heredocs), identifiers and punctuation well enough to find
 * attribute assignments; it never evaluates anything. Code it does not understand becomes "other"
 * tokens, never an error.
 */

/** A piece of a string literal: text, or the code of an interpolation ("#{s.name}" gives { code: "s.name" }). */
export type StringPart = string | { code: string };

export type Token =
  | { kind: "ident"; text: string }
  | { kind: "string"; parts: StringPart[] }
  | { kind: "words"; items: string[] }
  | { kind: "punct"; text: string }
  | { kind: "newline" }
  | { kind: "other"; text: string };

/** Operators of more than one character, longest first. */
const operators = "**= <=> === ... &&= ||= <<= >>= :: == != =~ !~ => <= >= && || ** += -= *= /= &. .. << >> ->".split(
  " ",
);

const operatorStarts = new Set(operators.map((op) => op[0]));

// Sticky patterns, matched in place at an index (no slicing of the source).
const heredocStart = /<<([~-]?)(?:(["'`])([^"'`\n]+)\2|([A-Za-z_][A-Za-z0-9_]*))/y;
const symbolPattern = /:[A-Za-z_][A-Za-z0-9_]*[?!=]?/y;
const wordPattern = /[@$]{0,2}[\p{L}_][\p{L}\p{N}_]*[?!]?/uy;
const numberPattern = /[0-9][0-9A-Za-z_.]*/y;
const characterPattern = /\?[A-Za-z0-9](?![A-Za-z0-9_])/y;
const percentStart = /%([qQwWiIrsx]?)([^A-Za-z0-9\s])/y;

function stickyMatch(pattern: RegExp, source: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(source);
}

const closing: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}", "<": ">" };

interface Heredoc {
  id: string;
  /** `<<~` (indentation removed) or `<<-` (indented terminator allowed). */
  squiggly: boolean;
  indentedEnd: boolean;
  raw: boolean;
  parts: StringPart[];
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pending: Heredoc[] = [];
  let i = 0;

  while (i < source.length) {
    const c = source[i] ?? "";

    const lineStart = i === 0 || source[i - 1] === "\n";
    if (lineStart && source.startsWith("=begin", i)) {
      const end = source.indexOf("\n=end", i);
      i = end < 0 ? source.length : lineEnd(source, end + 1);
      continue;
    }
    if (lineStart && source.startsWith("__END__", i) && /^__END__\r?(\n|$)/.test(source.slice(i, i + 9))) break;

    if (c === "\n") {
      tokens.push({ kind: "newline" });
      i++;
      if (pending.length > 0) i = readHeredocBodies(source, i, pending);
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "\\" && (source[i + 1] === "\n" || source.startsWith("\r\n", i + 1))) {
      i += source[i + 1] === "\n" ? 2 : 3;
      continue;
    }
    if (c === "#") {
      i = lineEnd(source, i);
      continue;
    }

    if (c === '"' || c === "`") {
      const end = literalEnd(source, i + 1, c, undefined, true);
      tokens.push(
        c === '"' ? { kind: "string", parts: decodeDouble(source.slice(i + 1, end)) } : { kind: "other", text: "`" },
      );
      i = end + 1;
      continue;
    }
    if (c === "'") {
      const end = literalEnd(source, i + 1, "'", undefined, false);
      tokens.push({ kind: "string", parts: [decodeSingle(source.slice(i + 1, end), "'", undefined)] });
      i = end + 1;
      continue;
    }

    if (c === "%") {
      const percent = readPercentLiteral(source, i, previousIsValue(tokens));
      if (percent) {
        tokens.push(percent.token);
        i = percent.end;
        continue;
      }
    }

    if (c === "<" && source[i + 1] === "<") {
      const heredoc = stickyMatch(heredocStart, source, i);
      if (heredoc && (heredoc[1] !== "" || heredoc[2] !== undefined || /^[A-Z_]/.test(heredoc[4] ?? ""))) {
        const doc: Heredoc = {
          id: heredoc[3] ?? heredoc[4] ?? "",
          squiggly: heredoc[1] === "~",
          indentedEnd: heredoc[1] !== "",
          raw: heredoc[2] === "'",
          parts: [],
        };
        pending.push(doc);
        // The body is filled in when the line ends; the token shares the parts array.
        tokens.push({ kind: "string", parts: doc.parts });
        i += heredoc[0].length;
        continue;
      }
    }

    if (c === "/" && !previousIsValue(tokens)) {
      const end = literalEnd(source, i + 1, "/", undefined, true);
      tokens.push({ kind: "other", text: "/regexp/" });
      i = end + 1;
      while (/[a-z]/.test(source[i] ?? "")) i++;
      continue;
    }

    if (c === ":" && source[i + 1] !== ":" && /[A-Za-z_"]/.test(source[i + 1] ?? "")) {
      if (source[i + 1] === '"') {
        const end = literalEnd(source, i + 2, '"', undefined, true);
        tokens.push({ kind: "other", text: ":symbol" });
        i = end + 1;
      } else {
        const symbol = stickyMatch(symbolPattern, source, i)?.[0] ?? ":";
        tokens.push({ kind: "other", text: symbol });
        i += symbol.length;
      }
      continue;
    }

    const word = stickyMatch(wordPattern, source, i);
    if (word) {
      // A method name ends with "?" or "!" only when glued on ("respond_to?"); "a ? b : c" has its own "?".
      tokens.push({ kind: "ident", text: word[0] });
      i += word[0].length;
      continue;
    }
    const number = stickyMatch(numberPattern, source, i);
    if (number) {
      tokens.push({ kind: "other", text: number[0] });
      i += number[0].length;
      continue;
    }
    if (c === "?" && stickyMatch(characterPattern, source, i) && !previousIsValue(tokens)) {
      tokens.push({ kind: "other", text: source.slice(i, i + 2) });
      i += 2;
      continue;
    }

    const operator = (operatorStarts.has(c) ? operators.find((op) => source.startsWith(op, i)) : undefined) ?? c;
    tokens.push({ kind: "punct", text: operator });
    i += operator.length;
  }
  return tokens;
}

/** Whether the last token ends a value, so that "/" and "%" are operators rather than literals. */
function previousIsValue(tokens: readonly Token[]): boolean {
  const last = tokens.at(-1);
  if (!last || last.kind === "newline") return false;
  if (last.kind === "punct") return last.text === ")" || last.text === "]" || last.text === "}";
  if (last.kind === "ident") return !keywords.has(last.text);
  return true;
}

const keywords = new Set([
  "if",
  "unless",
  "while",
  "until",
  "and",
  "or",
  "not",
  "when",
  "then",
  "else",
  "do",
  "return",
]);

function lineEnd(source: string, from: number): number {
  const end = source.indexOf("\n", from);
  return end < 0 ? source.length : end;
}

/**
 * The index of the character that closes a literal starting at `from`: `close`, skipping escapes,
 * nested `open`/`close` pairs and (when `interpolates`) "#{...}" blocks. source.length when unclosed.
 */
function literalEnd(
  source: string,
  from: number,
  close: string,
  open: string | undefined,
  interpolates: boolean,
  nesting = 0,
): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
    } else if (interpolates && c === "#" && source[i + 1] === "{") {
      i = interpolationEnd(source, i + 2, nesting + 1);
    } else if (open !== undefined && c === open) {
      depth++;
    } else if (c === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return source.length;
}

/** Strings inside interpolations inside strings, and so on: deeper than this counts as unclosed. */
const maxNesting = 16;

/** The index of the "}" closing an interpolation whose code starts at `from`. */
function interpolationEnd(source: string, from: number, nesting = 0): number {
  if (nesting > maxNesting) return source.length;
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === '"' || c === "'") i = literalEnd(source, i + 1, c, undefined, c === '"', nesting);
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return source.length;
}

const simpleEscapes: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  s: " ",
  "0": "\0",
  e: "\x1b",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

/** The content of a double-quoted literal: escapes decoded, interpolations kept as code. */
export function decodeDouble(raw: string): StringPart[] {
  const parts: StringPart[] = [];
  // Runs of plain text are sliced whole; character-by-character concatenation is slow on long strings.
  const pieces: string[] = [];
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== "\\" && !(c === "#" && raw[i + 1] === "{")) continue;
    pieces.push(raw.slice(run, i));
    if (c === "#") {
      const end = interpolationEnd(raw, i + 2);
      const text = pieces.splice(0).join("");
      if (text !== "") parts.push(text);
      parts.push({ code: raw.slice(i + 2, end).trim() });
      i = end;
    } else if (i + 1 >= raw.length) {
      pieces.push("\\");
    } else {
      const escaped = decodeEscape(raw, i + 1);
      if (escaped) {
        pieces.push(escaped.text);
        i = escaped.end - 1;
      } else {
        // "\\\n" continues the line; any other escaped character stands for itself.
        const next = raw[i + 1] ?? "";
        if (next !== "\n") pieces.push(simpleEscapes[next] ?? next);
        i++;
      }
    }
    run = i + 1;
  }
  pieces.push(raw.slice(run));
  const text = pieces.join("");
  if (text !== "" || parts.length === 0) parts.push(text);
  return parts;
}

/** \uXXXX, \u{X Y}, \xHH and octal escapes starting after the backslash at `at`. */
function decodeEscape(raw: string, at: number): { text: string; end: number } | undefined {
  const rest = raw.slice(at, at + 64);
  const braces = /^u\{([0-9A-Fa-f\s]+)\}/.exec(rest);
  if (braces?.[1] !== undefined) {
    const codes = braces[1]
      .trim()
      .split(/\s+/)
      .map((hex) => Number.parseInt(hex, 16));
    if (codes.every((code) => code <= 0x10ffff))
      return { text: String.fromCodePoint(...codes), end: at + braces[0].length };
  }
  const unicode = /^u([0-9A-Fa-f]{4})/.exec(rest);
  if (unicode?.[1] !== undefined) return { text: String.fromCharCode(Number.parseInt(unicode[1], 16)), end: at + 5 };
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(rest);
  if (hex?.[1] !== undefined)
    return { text: String.fromCharCode(Number.parseInt(hex[1], 16)), end: at + hex[0].length };
  const octal = /^[0-7]{1,3}/.exec(rest);
  if (octal && octal[0] !== "0")
    return { text: String.fromCharCode(Number.parseInt(octal[0], 8)), end: at + octal[0].length };
  return undefined;
}

/** The content of a single-quoted literal: only "\\" and an escaped delimiter are escapes. */
function decodeSingle(raw: string, close: string, open: string | undefined): string {
  const pieces: string[] = [];
  let run = 0;
  for (let i = raw.indexOf("\\"); i >= 0 && i + 1 < raw.length; i = raw.indexOf("\\", i + 1)) {
    const next = raw[i + 1] ?? "";
    if (next !== "\\" && next !== close && next !== open) continue;
    pieces.push(raw.slice(run, i), next);
    run = i + 2;
    i++;
  }
  pieces.push(raw.slice(run));
  return pieces.join("");
}

/** %q(...), %Q{...}, %{...}, %w[...], %i[...], %r{...} and the like, when `%` starts one. */
function readPercentLiteral(
  source: string,
  at: number,
  afterValue: boolean,
): { token: Token; end: number } | undefined {
  const match = stickyMatch(percentStart, source, at);
  if (!match) return undefined;
  const type = match[1] ?? "";
  const open = match[2] ?? "";
  // After a value, "%" is the modulo operator unless a space comes before it and none after ("puts %w[a]").
  if (afterValue && !/\s/.test(source[at - 1] ?? "")) return undefined;
  const close = closing[open] ?? open;
  const nests = close !== open ? open : undefined;
  const interpolates = type === "" || type === "Q" || type === "W" || type === "I" || type === "r" || type === "x";
  const start = at + 1 + type.length + 1;
  const end = literalEnd(source, start, close, nests, interpolates);
  const raw = source.slice(start, end);
  let token: Token;
  if (type === "q") {
    token = { kind: "string", parts: [decodeSingle(raw, close, nests)] };
  } else if (type === "" || type === "Q") {
    token = { kind: "string", parts: decodeDouble(raw) };
  } else if (type === "w" || type === "W" || type === "i" || type === "I") {
    token = { kind: "words", items: raw.split(/\s+/).filter((item) => item !== "") };
  } else {
    token = { kind: "other", text: `%${type}` };
  }
  return { token, end: end + 1 };
}

/** Fills the parts of the heredocs opened on the line that just ended; returns where code resumes. */
function readHeredocBodies(source: string, from: number, pending: Heredoc[]): number {
  let i = from;
  for (const doc of pending.splice(0)) {
    const lines: string[] = [];
    while (i < source.length) {
      const end = lineEnd(source, i);
      const line = source.slice(i, end).replace(/\r$/, "");
      i = Math.min(end + 1, source.length);
      if ((doc.indentedEnd ? line.trim() : line) === doc.id) break;
      lines.push(line);
    }
    const body = (doc.squiggly ? dedent(lines) : lines).map((line) => `${line}\n`).join("");
    doc.parts.push(...(doc.raw ? [body] : decodeDouble(body)));
  }
  return i;
}

function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0);
  const common = indents.reduce((least, indent) => Math.min(least, indent), indents[0] ?? 0);
  return lines.map((line) => line.slice(common));
}
