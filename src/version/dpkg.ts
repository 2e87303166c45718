import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** deb-version(7): [epoch:]upstream_version[-debian_revision]. */
export function parseDebianVersion(version: string): DebianVersion | undefined {
  const text = version.trim();
  if (text === "") return undefined;
  const colon = text.indexOf(":");
  let epoch = 0;
  if (colon >= 0) {
    const digits = text.slice(0, colon);
    if (!/^\d+$/.test(digits)) return undefined;
    epoch = Number(digits);
  }
  const rest = text.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : "";
  if (upstream === "" || !/^[0-9]/.test(upstream) || !/^[A-Za-z0-9.+~:-]*$/.test(upstream)) return undefined;
  if (!/^[A-Za-z0-9.+~]*$/.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

/** Sort weight of one character in a non-digit run: "~" before the end, letters before other symbols. */
function weight(char: string | undefined): number {
  if (char === undefined) return 0;
  if (char === "~") return -1;
  if (/[A-Za-z]/.test(char)) return char.charCodeAt(0);
  return char.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = i < a.length && !isDigit(a[i]) ? weight(a[i]) : 0;
      const bc = j < b.length && !isDigit(b[j]) ? weight(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= "0" && char <= "9";
}

function orderDebian(x: DebianVersion, y: DebianVersion): number {
  return Math.sign(
    x.epoch - y.epoch || compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision),
  );
}

export function compareDebian(a: string, b: string): number | undefined {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (!x || !y) return undefined;
  return orderDebian(x, y);
}

export const dpkgScheme: VersionScheme = parsedScheme("dpkg", parseDebianVersion, orderDebian);
