import { createRequire } from "node:module";
import { InternalError } from "../errors.ts";

type ExpressionParser = (text: string) => unknown;

function isExpressionParser(value: unknown): value is ExpressionParser {
  return typeof value === "function";
}

// spdx-expression-parse is CommonJS without type declarations: load it and check its shape.
const parser: unknown = createRequire(import.meta.url)("spdx-expression-parse");

/**
 * Whether `text` is a valid SPDX license expression as written: a listed identifier (deprecated ones
 * included), `LicenseRef-…`, or a compound with AND, OR, WITH, `+` and parentheses. References into
 * other documents (`DocumentRef-…:`) are refused: a report has no external documents to point at.
 */
export function isSpdxExpression(text: string): boolean {
  if (!isExpressionParser(parser)) throw new InternalError("spdx-expression-parse did not load as a function");
  if (text === "" || text !== text.trim() || text.includes("DocumentRef-")) return false;
  try {
    parser(text);
    return true;
  } catch {
    return false;
  }
}

/** isSpdxExpression with a memory, for one rendering: parsing takes a fraction of a millisecond, and licenses repeat. */
export function spdxExpressionCheck(): (text: string) => boolean {
  const known = new Map<string, boolean>();
  return (text) => {
    let valid = known.get(text);
    if (valid === undefined) {
      valid = isSpdxExpression(text);
      known.set(text, valid);
    }
    return valid;
  };
}

/** The LicenseRef- identifiers an expression uses, in order of appearance. */
export function licenseRefsIn(expression: string): string[] {
  return [...new Set(expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])];
}

/** Several licenses that all apply, as one expression: each compound part in parentheses, joined by AND. */
export function allOf(expressions: readonly string[]): string {
  if (expressions.length === 1 && expressions[0] !== undefined) return expressions[0];
  return expressions.map((part) => (/\s/.test(part) ? `(${part})` : part)).join(" AND ");
}

/** Trimmed, non-empty and without repeats, in the order given. */
export function distinctLicenses(licenses: readonly string[]): string[] {
  return [...new Set(licenses.map((license) => license.trim()).filter((license) => license !== ""))];
}
