/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1): `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`,
 * possibly several in one header.
 */

export interface Challenge {
  /** Lowercase: "bearer", "basic". */
  scheme: string;
  /** Parameter names lowercase. */
  params: Record<string, string>;
}

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest !== "") {
    const token = tokenPattern.exec(rest)?.[0];
    if (token === undefined) {
      rest = skipPastComma(rest);
      continue;
    }
    const after = rest.slice(token.length).trimStart();
    if (after.startsWith("=") && current !== undefined) {
      const { value, remainder } = readValue(after.slice(1).trimStart());
      current.params[token.toLowerCase()] = value;
      rest = skipComma(remainder);
      continue;
    }
    current = { scheme: token.toLowerCase(), params: {} };
    challenges.push(current);
    rest = after;
    // The token68 form (`Negotiate dXNlcg==`) carries no parameters registries use: skip it.
    const token68 = /^[A-Za-z0-9._~+/-]+=*\s*(?:,|$)/.exec(rest);
    rest = skipComma(token68 ? rest.slice(token68[0].length) : rest);
  }
  return challenges;
}

function readValue(text: string): { value: string; remainder: string } {
  if (!text.startsWith('"')) {
    // RFC 9110 allows only a token here; some servers send URLs unquoted, so read up to the next comma.
    const value = /^[^,\s]*/.exec(text)?.[0] ?? "";
    return { value, remainder: text.slice(value.length) };
  }
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === "\\" && i + 1 < text.length) {
      i += 1;
      value += text.charAt(i);
    } else if (char === '"') {
      return { value, remainder: text.slice(i + 1) };
    } else {
      value += char;
    }
  }
  return { value, remainder: "" };
}

function skipComma(text: string): string {
  return text.trimStart().replace(/^,\s*/, "");
}

function skipPastComma(text: string): string {
  const comma = text.indexOf(",");
  return comma === -1 ? "" : text.slice(comma + 1).trimStart();
}
