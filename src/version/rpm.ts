import type { VersionScheme } from "./scheme.ts";

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);
const isAlnum = (c: string | undefined): boolean => isDigit(c) || isAlpha(c);

/** rpmvercmp: alphanumeric segments, numbers beat letters, "~" sorts first, "^" after the end. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== "~" && b[j] !== "^") j++;
    if (a[i] === "~" || b[j] === "~") {
      if (a[i] !== "~") return 1;
      if (b[j] !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === "^" || b[j] === "^") {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== "^") return 1;
      if (b[j] !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const take = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (take(a[ei])) ei++;
    while (take(b[ej])) ej++;
    if (ej === j) return numeric ? 1 : -1;
    let x = a.slice(i, ei);
    let y = b.slice(j, ej);
    if (numeric) {
      x = x.replace(/^0+/, "");
      y = y.replace(/^0+/, "");
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** "[epoch:]version[-release]"; a missing epoch is 0. */
export function parseEvr(text: string): Evr | undefined {
  const value = text.trim();
  if (value === "") return undefined;
  const colon = value.indexOf(":");
  let epoch = 0;
  if (colon >= 0) {
    const digits = value.slice(0, colon);
    if (!/^\d+$/.test(digits)) return undefined;
    epoch = Number(digits);
  }
  const rest = value.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  return dash >= 0
    ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
    : { epoch, version: rest, release: "" };
}

export function compareRpm(a: string, b: string): number | undefined {
  const x = parseEvr(a);
  const y = parseEvr(b);
  if (!x || !y) return undefined;
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const version = rpmvercmp(x.version, y.version);
  if (version !== 0) return version;
  // A bound without a release ("1.2") matches every release of that version, as rpm does.
  if (x.release === "" || y.release === "") return 0;
  return rpmvercmp(x.release, y.release);
}

export const rpmScheme: VersionScheme = { name: "rpm", compare: compareRpm };
