import type { ParseResult } from "../../catalog/cataloger.ts";
import type { GemMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { type StringPart, type Token, tokenize } from "./ruby-lexer.ts";

/** Longest list kept from one assignment (files, authors, licenses); longer ones are cut with an issue. */
export const maxListItems = 10_000;
/** Deepest nesting of array literals read. */
const maxDepth = 8;

/** What one attribute assignment evaluates to; undefined when it is not a plain literal. */
type Value = string | string[] | undefined;

/** RubyGems' own patterns for a gem name and a version (Gem::Specification, Gem::Version). */
const validName = /^[A-Za-z0-9._-]+$/;
const validVersion = /^[0-9]+(\.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/**
 * The gem an installed specification (specifications/<name>-<version>.gemspec) describes, read
 * without running Ruby: the literal values assigned to the block variable of
 * `Gem::Specification.new do |s|`. No name or version gives an issue and no package.
 */
export function parseGemspec(content: Buffer): ParseResult {
  const tokens = tokenize(content.toString("utf8").replace(/^\uFEFF/, ""));
  const spec = findSpecification(tokens);
  if (spec === undefined) return failure("no Gem::Specification.new block");

  const issues: string[] = [];
  const values = new Map<string, Value>();
  if (spec.name !== undefined) values.set("name", spec.name);
  if (spec.version !== undefined) values.set("version", spec.version);
  // "#{s.name}" and "#{s.version}" inside later strings resolve to what was assigned so far.
  const interpolate = (code: string): string | undefined => {
    const match = /^(\w+)\.(name|version)(?:\.to_s)?$/.exec(code);
    const value = match?.[1] === spec.variable && match[2] !== undefined ? values.get(match[2]) : undefined;
    return typeof value === "string" ? value : undefined;
  };

  for (let i = spec.body; i < tokens.length; i++) {
    const attribute = assignedAttribute(tokens, i, spec.variable);
    if (attribute === undefined) continue;
    const reader = new ValueReader(tokens, interpolate);
    const read = reader.statement(i + 4);
    if (reader.truncated) {
      issues.push(`${spec.variable}.${attribute}: more than ${maxListItems} items, the rest left out`);
    }
    // Deleted first so that the map's order is the order of the last assignments (license vs licenses).
    values.delete(attribute);
    values.set(attribute, read.value);
    i = read.next - 1;
  }

  const name = values.get("name");
  const version = values.get("version");
  if (typeof name !== "string" || name.trim() === "") return failure(`no gem name (${spec.variable}.name)`, issues);
  if (!validName.test(name)) return failure(`invalid gem name "${name}"`, issues);
  if (typeof version !== "string" || version.trim() === "") {
    return failure(`gem ${name}: no version (${spec.variable}.version)`, issues);
  }
  const trimmedVersion = version.trim();
  if (!validVersion.test(trimmedVersion)) return failure(`gem ${name}: invalid version "${version}"`, issues);

  const purl = packageUrl({ type: "gem", name, version: trimmedVersion });
  if (purl instanceof Error) return failure(`gem ${name}: no purl: ${purl.message}`, issues);

  const authors = list(values.get("authors")) ?? list(values.get("author"));
  const homepage = text(values.get("homepage"));
  const summary = text(values.get("summary"));
  const files = arrayOnly(values.get("files"));
  const platform = text(values.get("platform"));
  const metadata: GemMetadata = {
    kind: "gem",
    ...(authors !== undefined && { authors }),
    ...(homepage !== undefined && { homepage }),
    ...(summary !== undefined && { summary }),
    ...(files !== undefined && { files }),
    ...(platform !== undefined && platform !== "ruby" && { platform }),
  };
  return {
    packages: [{ name, version: trimmedVersion, purl, licenses: declaredLicenses(values), metadata }],
    issues,
  };
}

/**
 * `licenses = [...]`, or `license = "..."` when that came last. A single string assigned to
 * `licenses` is not read (Trivy and Syft both ignore it; RubyGems itself writes an array).
 */
function declaredLicenses(values: ReadonlyMap<string, Value>): string[] {
  const assigned = [...values.keys()].filter((key) => key === "license" || key === "licenses");
  const last = assigned.at(-1);
  if (last === "license") {
    const license = text(values.get("license"));
    return license === undefined ? [] : [license];
  }
  return (arrayOnly(values.get("licenses")) ?? []).filter((license) => license.trim() !== "");
}

interface Specification {
  /** The block variable: "s" in `Gem::Specification.new do |s|`. */
  variable: string;
  /** Index of the first token inside the block. */
  body: number;
  /** From `Gem::Specification.new("name", "1.0")`, when given there. */
  name?: string;
  version?: string;
}

/** The first `Gem::Specification.new ... do |var|` (or `{ |var|`) in the file. */
function findSpecification(tokens: readonly Token[]): Specification | undefined {
  for (let i = 0; i + 4 < tokens.length; i++) {
    if (!(isIdent(tokens[i], "Gem") && isPunct(tokens[i + 1], "::") && isIdent(tokens[i + 2], "Specification"))) {
      continue;
    }
    if (!(isPunct(tokens[i + 3], ".") && isIdent(tokens[i + 4], "new"))) continue;
    // Constructor arguments, if any, then the block.
    const args: string[] = [];
    let j = i + 5;
    for (; j < tokens.length && !isIdent(tokens[j], "do") && !isPunct(tokens[j], "{"); j++) {
      const token = tokens[j];
      if (token?.kind === "newline") break;
      if (token?.kind === "string") args.push(joinLiteral(token.parts) ?? "");
    }
    if (!isPunct(tokens[j + 1], "|")) continue;
    const variable = tokens[j + 2];
    if (variable?.kind !== "ident" || !isPunct(tokens[j + 3], "|")) continue;
    return {
      variable: variable.text,
      body: j + 4,
      ...(args[0] !== undefined && args[0] !== "" && { name: args[0] }),
      ...(args[1] !== undefined && args[1] !== "" && { version: args[1] }),
    };
  }
  return undefined;
}

/** Attributes whose assignments are read; all others are skipped. */
const attributes = new Set([
  "name",
  "version",
  "license",
  "licenses",
  "authors",
  "author",
  "homepage",
  "summary",
  "files",
  "platform",
]);

/** The attribute when tokens[i..] read `<variable> . <attribute> =`. */
function assignedAttribute(tokens: readonly Token[], i: number, variable: string): string | undefined {
  if (!isIdent(tokens[i], variable) || !isPunct(tokens[i + 1], ".")) return undefined;
  const attribute = tokens[i + 2];
  if (attribute?.kind !== "ident" || !attributes.has(attribute.text)) return undefined;
  // Not part of a longer chain ("x.s.name = ...").
  if (isPunct(tokens[i - 1], ".") || isPunct(tokens[i - 1], "&.")) return undefined;
  return isPunct(tokens[i + 3], "=") ? attribute.text : undefined;
}

/** Reads the literal on the right of an assignment. */
class ValueReader {
  truncated = false;
  private readonly tokens: readonly Token[];
  private readonly interpolate: (code: string) => string | undefined;

  constructor(tokens: readonly Token[], interpolate: (code: string) => string | undefined) {
    this.tokens = tokens;
    this.interpolate = interpolate;
  }

  /**
   * The value of the expression starting at `at` when it is a whole statement: a literal, optionally
   * `.freeze`d, then the end of the line or an `if`/`unless` modifier. Anything more (`"a" + b`)
   * makes the value unknown. `next` is where the statement ends.
   */
  statement(at: number): { value: Value; next: number } {
    const read = this.value(at, 0);
    const end = this.statementEnd(read.next);
    return { value: end.clean ? read.value : undefined, next: end.next };
  }

  private statementEnd(at: number): { clean: boolean; next: number } {
    const token = this.tokens[at];
    const clean =
      token === undefined ||
      token.kind === "newline" ||
      isPunct(token, ";") ||
      isPunct(token, "}") ||
      isIdent(token, "if") ||
      isIdent(token, "unless") ||
      isIdent(token, "end");
    let next = at;
    while (next < this.tokens.length && this.tokens[next]?.kind !== "newline" && !isPunct(this.tokens[next], ";")) {
      next++;
    }
    return { clean, next };
  }

  private value(at: number, depth: number): { value: Value; next: number } {
    const token = this.tokens[at];
    let value: Value;
    let next = at + 1;
    if (token?.kind === "string") {
      value = this.literal(token.parts);
    } else if (token?.kind === "words") {
      value = this.capped(token.items);
    } else if (isPunct(token, "[") && depth < maxDepth) {
      ({ value, next } = this.array(at + 1, depth + 1));
    } else if (isIdent(token, "Gem") && isPunct(this.tokens[at + 1], "::") && isIdent(this.tokens[at + 2], "Version")) {
      ({ value, next } = this.versionNew(at + 3, depth));
    } else {
      return { value: undefined, next: at + 1 };
    }
    // `.freeze` (every string RubyGems writes) and the like leave the value as it is.
    while (
      isPunct(this.tokens[next], ".") &&
      ["freeze", "dup", "to_s"].some((m) => isIdent(this.tokens[next + 1], m))
    ) {
      next += 2;
    }
    return { value, next };
  }

  /** `[a, b, ...]` from just after the "[": strings only, else unknown. */
  private array(at: number, depth: number): { value: Value; next: number } {
    const items: string[] = [];
    let known = true;
    let i = this.skipNewlines(at);
    while (i < this.tokens.length && !isPunct(this.tokens[i], "]")) {
      const read = this.value(i, depth);
      if (typeof read.value === "string") {
        if (items.length < maxListItems) items.push(read.value);
        else this.truncated = true;
      } else {
        known = false;
      }
      i = this.skipNewlines(read.next);
      if (isPunct(this.tokens[i], ",")) i = this.skipNewlines(i + 1);
      else if (!isPunct(this.tokens[i], "]")) {
        // Not a plain list: unknown, and the statement ends wherever its line does.
        return { value: undefined, next: i };
      }
    }
    // Unclosed at the end of the file: unknown.
    return { value: known && i < this.tokens.length ? items : undefined, next: i + 1 };
  }

  /** `.new("1.0")`, `.new "1.0"` or `.create("1.0")` after `Gem::Version`. */
  private versionNew(at: number, depth: number): { value: Value; next: number } {
    if (
      !isPunct(this.tokens[at], ".") ||
      !(isIdent(this.tokens[at + 1], "new") || isIdent(this.tokens[at + 1], "create"))
    ) {
      return { value: undefined, next: at };
    }
    const parenthesised = isPunct(this.tokens[at + 2], "(");
    const read = this.value(at + (parenthesised ? 3 : 2), depth);
    if (!parenthesised) return { value: typeof read.value === "string" ? read.value : undefined, next: read.next };
    if (!isPunct(this.tokens[read.next], ")")) return { value: undefined, next: read.next };
    return { value: typeof read.value === "string" ? read.value : undefined, next: read.next + 1 };
  }

  private literal(parts: readonly StringPart[]): string | undefined {
    let out = "";
    for (const part of parts) {
      if (typeof part === "string") out += part;
      else {
        const resolved = this.interpolate(part.code);
        if (resolved === undefined) return undefined;
        out += resolved;
      }
    }
    return out;
  }

  private capped(items: readonly string[]): string[] {
    if (items.length <= maxListItems) return [...items];
    this.truncated = true;
    return items.slice(0, maxListItems);
  }

  private skipNewlines(at: number): number {
    let i = at;
    while (this.tokens[i]?.kind === "newline") i++;
    return i;
  }
}

function joinLiteral(parts: readonly StringPart[]): string | undefined {
  return parts.every((part) => typeof part === "string") ? parts.join("") : undefined;
}

function isIdent(token: Token | undefined, text: string): boolean {
  return token?.kind === "ident" && token.text === text;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === "punct" && token.text === text;
}

function text(value: Value): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A list attribute: an array, or (as RubyGems' `authors=` accepts) a single string. */
function list(value: Value): string[] | undefined {
  if (typeof value === "string") return text(value) === undefined ? undefined : [value];
  return value !== undefined && value.length > 0 ? value : undefined;
}

function arrayOnly(value: Value): string[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function failure(issue: string, issues: readonly string[] = []): ParseResult {
  return { packages: [], issues: [...issues, issue] };
}
