/**
 * A license field as a package database declares it (opkg `License:`, apk `L:`), read the way Syft
 * does: kept whole when it is an SPDX expression ("Apache-2.0 OR MIT"), otherwise split on
 * whitespace ("GPL-2.0 BSD-3-Clause" lists two licenses). Values are not normalised.
 */
export function declaredLicenses(raw: string | undefined): string[] {
  const value = raw?.trim() ?? "";
  if (value === "") return [];
  if (isSpdxExpression(value)) return [value];
  return value.split(/\s+/);
}

const operators = new Set(["and", "or", "with"]);
const licenseId = /^[A-Za-z0-9.+:-]+$/;

/** A syntactic check only: identifiers joined by AND/OR/WITH, with balanced parentheses. */
export function isSpdxExpression(value: string): boolean {
  const tokens = value.replace(/[()]/g, " $& ").trim().split(/\s+/);
  let depth = 0;
  let expectOperand = true;
  for (const token of tokens) {
    if (expectOperand) {
      if (token === "(") depth++;
      else if (licenseId.test(token) && !operators.has(token.toLowerCase())) expectOperand = false;
      else return false;
    } else if (token === ")") {
      if (--depth < 0) return false;
    } else if (operators.has(token.toLowerCase())) {
      expectOperand = true;
    } else {
      return false;
    }
  }
  return !expectOperand && depth === 0;
}
