import { open } from "node:fs/promises";
import { FAILSAFE_SCHEMA, load } from "js-yaml";
import { InputError, LimitError, errorMessage } from "../errors.ts";
import type { Finding } from "../model/finding.ts";

/** One accepted finding: the vulnerability, optionally only in one package, and why it is accepted. */
export interface IgnoreRule {
  /** A finding id or any of its aliases: "CVE-2023-1234", "GHSA-…", "DSA-5514-1". */
  id: string;
  /** A package name ("openssl"), or a purl prefix ("pkg:npm/lodash", "pkg:deb/debian/openssl@3.0.11-1"). */
  package?: string;
  reason: string;
  /** As written in the file: "2025-06-30" (valid through that day, UTC) or an RFC 3339 timestamp. */
  expires?: string;
  /** The instant from which the rule no longer applies. */
  expiresAt?: Date;
}

export interface IgnoreOutcome {
  kept: Finding[];
  ignored: { finding: Finding; rule: IgnoreRule }[];
  warnings: string[];
}

/** An ignore file is a short hand-written list; anything larger is not one. */
export const maxIgnoreFileBytes = 1024 * 1024;

const entryKeys = new Set(["id", "package", "reason", "expires"]);

/** Reads an ignore file: JSON when the name ends in .json, YAML otherwise. */
export async function readIgnoreFile(path: string): Promise<IgnoreRule[]> {
  let text: string;
  try {
    const file = await open(path, "r");
    try {
      const { size } = await file.stat();
      if (size > maxIgnoreFileBytes) {
        throw new LimitError(`${path}: ignore file of ${size} bytes is over the ${maxIgnoreFileBytes}-byte limit`);
      }
      text = await file.readFile("utf8");
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof LimitError) throw error;
    throw new InputError(`${path}: cannot read the ignore file: ${errorMessage(error)}`, { cause: error });
  }
  return parseIgnoreFile(text, { format: path.toLowerCase().endsWith(".json") ? "json" : "yaml", source: path });
}

/**
 * The rules of an ignore file: a list of entries, or an object whose `ignore` key holds the list.
 * YAML is read with every scalar a string (so `expires: 2025-06-30` stays a date string), no
 * aliases and shallow nesting. Unknown keys are refused: a misspelt `expires` must not make a rule
 * permanent.
 */
export function parseIgnoreFile(text: string, options: { format: "json" | "yaml"; source: string }): IgnoreRule[] {
  const { source } = options;
  if (Buffer.byteLength(text) > maxIgnoreFileBytes) {
    throw new LimitError(`${source}: ignore file is over the ${maxIgnoreFileBytes}-byte limit`);
  }
  let document: unknown;
  try {
    document =
      options.format === "json"
        ? JSON.parse(text)
        : text.trim() === ""
          ? []
          : load(text, { schema: FAILSAFE_SCHEMA, maxAliases: 0, maxDepth: 8, filename: source });
  } catch (error) {
    const message = errorMessage(error).split("\n")[0] ?? "";
    throw new InputError(`${source}: not valid ${options.format === "json" ? "JSON" : "YAML"}: ${message}`, {
      cause: error,
    });
  }
  const entries = isRecord(document) ? document["ignore"] : document;
  if (!Array.isArray(entries)) {
    throw new InputError(`${source}: expected a list of entries, or an object with an "ignore" list`);
  }
  const list: readonly unknown[] = entries;
  return list.map((entry, index) => ruleOf(entry, `${source}: entry ${index + 1}`));
}

function ruleOf(entry: unknown, where: string): IgnoreRule {
  if (!isRecord(entry)) throw new InputError(`${where}: expected an object with id and reason`);
  const unknownKeys = Object.keys(entry).filter((key) => !entryKeys.has(key));
  if (unknownKeys.length > 0) {
    throw new InputError(`${where}: unknown key ${unknownKeys.map((key) => `"${key}"`).join(", ")}`);
  }
  const id = field(entry, "id", where);
  const reason = field(entry, "reason", where);
  if (id === undefined) throw new InputError(`${where}: "id" is required`);
  if (reason === undefined) throw new InputError(`${where} (${id}): "reason" is required`);
  const rule: IgnoreRule = { id, reason };
  const pkg = field(entry, "package", where);
  if (pkg !== undefined) rule.package = pkg;
  const expires = field(entry, "expires", where);
  if (expires !== undefined) {
    const expiresAt = expiryOf(expires);
    if (!expiresAt) {
      throw new InputError(`${where} (${id}): "expires" must be a date (2025-06-30) or an RFC 3339 timestamp`);
    }
    rule.expires = expires;
    rule.expiresAt = expiresAt;
  }
  return rule;
}

/** A non-empty trimmed string, undefined when absent (JSON null counts as absent). */
function field(entry: Readonly<Record<string, unknown>>, key: string, where: string): string | undefined {
  const value = entry[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InputError(`${where}: "${key}" must be a string`);
  const trimmed = value.trim();
  if (trimmed === "") throw new InputError(`${where}: "${key}" is empty`);
  return trimmed;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A date-only value is valid through that whole day in UTC; the rule expires at the next midnight. */
function expiryOf(value: string): Date | undefined {
  const date = datePattern.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const start = new Date(Date.UTC(year, month - 1, day));
    if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) {
      return undefined;
    }
    return new Date(start.getTime() + 24 * 60 * 60 * 1000);
  }
  if (!timestampPattern.test(value)) return undefined;
  const instant = new Date(value.replace(" ", "T"));
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/**
 * Splits findings into those still reported and those an unexpired rule accepts. A rule matches
 * when its id is the finding's id or one of its aliases (case-insensitively) and, when it names a
 * package, the finding's package. Each expired rule gives one warning and ignores nothing.
 */
export function applyIgnores(findings: readonly Finding[], rules: readonly IgnoreRule[], now: Date): IgnoreOutcome {
  const active: IgnoreRule[] = [];
  const warnings: string[] = [];
  for (const rule of rules) {
    if (rule.expiresAt && rule.expiresAt.getTime() <= now.getTime()) {
      const still = findings.filter((finding) => ruleMatches(rule, finding)).length;
      warnings.push(
        `ignore rule for ${describe(rule)} expired (${rule.expires ?? ""}); ` +
          (still === 0 ? "it matches no finding" : `${still} finding${still === 1 ? " is" : "s are"} reported again`),
      );
    } else {
      active.push(rule);
    }
  }
  const kept: Finding[] = [];
  const ignored: IgnoreOutcome["ignored"] = [];
  for (const finding of findings) {
    const rule = active.find((candidate) => ruleMatches(candidate, finding));
    if (rule) ignored.push({ finding, rule });
    else kept.push(finding);
  }
  return { kept, ignored, warnings };
}

function ruleMatches(rule: IgnoreRule, finding: Finding): boolean {
  const id = rule.id.toUpperCase();
  const named = finding.id.toUpperCase() === id || finding.aliases.some((alias) => alias.toUpperCase() === id);
  return named && (rule.package === undefined || packageMatches(rule.package, finding));
}

/** A purl prefix must end at a component boundary: "pkg:npm/lodash" is not "pkg:npm/lodash.merge". */
function packageMatches(selector: string, finding: Finding): boolean {
  if (!selector.startsWith("pkg:")) return selector === finding.packageName;
  if (!finding.purl.startsWith(selector)) return false;
  if (finding.purl.length === selector.length || /[/@?#&]$/.test(selector)) return true;
  return "@?#/".includes(finding.purl.charAt(selector.length));
}

function describe(rule: IgnoreRule): string {
  return rule.package === undefined ? rule.id : `${rule.id} in ${rule.package}`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
