/**
 * Go string literals, as runtime/debug writes build setting keys and values that hold spaces,
 * quotes or control characters: "interpreted" (with backslash escapes) or `raw`.
 */

const simpleEscapes: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
  '"': 0x22,
};

/** The quoted literal at the start of `text`: its value and the text after it, or undefined when there is none. */
export function quotedPrefix(text: string): { value: string; rest: string } | undefined {
  if (text.startsWith("`")) {
    const close = text.indexOf("`", 1);
    if (close < 0) return undefined;
    return { value: text.slice(1, close).replaceAll("\r", ""), rest: text.slice(close + 1) };
  }
  if (!text.startsWith('"')) return undefined;
  const bytes: number[] = [];
  let i = 1;
  while (i < text.length) {
    const char = text[i] ?? "";
    if (char === '"') return { value: Buffer.from(bytes).toString("utf8"), rest: text.slice(i + 1) };
    if (char === "\n") return undefined;
    if (char !== "\\") {
      const codePoint = text.codePointAt(i) ?? 0;
      const encoded = String.fromCodePoint(codePoint);
      bytes.push(...Buffer.from(encoded, "utf8"));
      i += encoded.length;
      continue;
    }
    const escape = escapeAt(text, i + 1);
    if (!escape) return undefined;
    bytes.push(...escape.bytes);
    i = escape.next;
  }
  return undefined;
}

/** The value of a string that is one whole Go literal, or undefined. */
export function unquote(text: string): string | undefined {
  const quoted = quotedPrefix(text);
  return quoted?.rest === "" ? quoted.value : undefined;
}

function escapeAt(text: string, at: number): { bytes: number[]; next: number } | undefined {
  const letter = text[at];
  if (letter === undefined) return undefined;
  const simple = simpleEscapes[letter];
  if (simple !== undefined) return { bytes: [simple], next: at + 1 };
  if (letter === "x") return byteEscape(text.slice(at + 1, at + 3), /^[0-9a-fA-F]{2}$/, 16, at + 3);
  if (/[0-7]/.test(letter)) return byteEscape(text.slice(at, at + 3), /^[0-7]{3}$/, 8, at + 3);
  if (letter === "u" || letter === "U") {
    const digits = letter === "u" ? 4 : 8;
    const hex = text.slice(at + 1, at + 1 + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) return undefined;
    const codePoint = Number.parseInt(hex, 16);
    if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
    return { bytes: [...Buffer.from(String.fromCodePoint(codePoint), "utf8")], next: at + 1 + digits };
  }
  return undefined;
}

function byteEscape(digits: string, pattern: RegExp, radix: number, next: number) {
  if (!pattern.test(digits)) return undefined;
  const value = Number.parseInt(digits, radix);
  return value > 255 ? undefined : { bytes: [value], next };
}
