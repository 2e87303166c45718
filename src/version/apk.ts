import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

/** Token kinds in apk-tools' order: a longer version is smaller when it ends where the other goes on. */
const kind = { digit: 1, letter: 2, suffix: 3, suffixNumber: 4, revision: 5, end: 6 } as const;

interface Token {
  kind: number;
  text: string;
  value: number;
}

const preSuffixes = ["alpha", "beta", "pre", "rc"];
const postSuffixes = ["cvs", "svn", "git", "hg", "p"];

/** digits{.digits}[letter]{_suffix[digits]}[-r<digits>]; undefined when the text is not of that form. */
export function tokenizeApk(version: string): Token[] | undefined {
  const match = /^(\d+(?:\.\d+)*)([a-z])?((?:_[a-z]+\d*)*)(?:-r(\d+))?$/.exec(version.trim());
  if (!match?.[1]) return undefined;
  const tokens: Token[] = match[1].split(".").map((text) => ({ kind: kind.digit, text, value: Number(text) }));
  if (match[2]) tokens.push({ kind: kind.letter, text: match[2], value: match[2].charCodeAt(0) });
  for (const part of (match[3] ?? "").split("_").filter(Boolean)) {
    const suffix = /^([a-z]+)(\d*)$/.exec(part);
    const name = suffix?.[1] ?? "";
    const pre = preSuffixes.indexOf(name);
    const post = postSuffixes.indexOf(name);
    if (pre < 0 && post < 0) return undefined;
    tokens.push({ kind: kind.suffix, text: name, value: pre >= 0 ? pre - preSuffixes.length : post + 1 });
    if (suffix?.[2]) tokens.push({ kind: kind.suffixNumber, text: suffix[2], value: Number(suffix[2]) });
  }
  if (match[4] !== undefined) tokens.push({ kind: kind.revision, text: match[4], value: Number(match[4]) });
  tokens.push({ kind: kind.end, text: "", value: 0 });
  return tokens;
}

function compareTokens(a: Token, b: Token, index: number): number {
  // Components after the first that start with "0" compare as decimal fractions (1.02 < 1.1).
  if (a.kind === kind.digit && index > 0 && (a.text.startsWith("0") || b.text.startsWith("0"))) {
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
  return Math.sign(a.value - b.value);
}

export function compareApk(a: string, b: string): number | undefined {
  const x = tokenizeApk(a);
  const y = tokenizeApk(b);
  if (!x || !y) return undefined;
  return orderApk(x, y);
}

function orderApk(x: readonly Token[], y: readonly Token[]): number {
  for (let i = 0; ; i++) {
    const s = x[i];
    const t = y[i];
    if (!s || !t) return 0;
    if (s.kind === t.kind) {
      if (s.kind === kind.end) return 0;
      const order = compareTokens(s, t, i);
      if (order !== 0) return order;
      continue;
    }
    // Where one version goes on: a pre-release suffix makes it smaller, anything else larger.
    if (s.kind === kind.suffix && s.value < 0) return -1;
    if (t.kind === kind.suffix && t.value < 0) return 1;
    return s.kind > t.kind ? -1 : 1;
  }
}

export const apkScheme: VersionScheme = parsedScheme("apk", tokenizeApk, orderApk);
