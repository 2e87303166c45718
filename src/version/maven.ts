import { parsedScheme } from "./memo.ts";
import type { VersionScheme } from "./scheme.ts";

/** Maven's ComparableVersion: items are numbers, qualifiers, or nested lists (after "-" or a digit/letter switch). */
type Item = { kind: "int"; value: bigint } | { kind: "string"; value: string } | { kind: "list"; items: Item[] };

const qualifiers = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const aliases: Record<string, string> = { ga: "", final: "", release: "", cr: "rc" };

function qualifierKey(value: string): string {
  const known = qualifiers.indexOf(value);
  return known >= 0 ? String(known) : `${qualifiers.length}-${value}`;
}

function stringItem(text: string, followedByDigit: boolean): Item {
  let value = text;
  if (followedByDigit && value.length === 1) value = { a: "alpha", b: "beta", m: "milestone" }[value] ?? value;
  return { kind: "string", value: aliases[value] ?? value };
}

function numberItem(text: string): Item {
  return { kind: "int", value: BigInt(text) };
}

function isNull(item: Item): boolean {
  if (item.kind === "int") return item.value === 0n;
  if (item.kind === "string") return qualifierKey(item.value) === qualifierKey("");
  return item.items.length === 0;
}

/** Drops trailing null items of each list, as ComparableVersion.normalize does. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (item === undefined) continue;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== "list") break;
  }
}

export function parseMaven(version: string): Item[] {
  const text = version.trim().toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let start = 0;
  let digit = false;
  const flush = (end: number, followedByDigit = false): void => {
    const part = text.slice(start, end);
    if (part === "") list.push({ kind: "int", value: 0n });
    else list.push(digit ? numberItem(part) : stringItem(part, followedByDigit));
  };
  const openList = (): void => {
    const next: Item[] = [];
    list.push({ kind: "list", items: next });
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === ".") {
      flush(i);
      start = i + 1;
    } else if (c === "-") {
      flush(i);
      start = i + 1;
      openList();
    } else if (c >= "0" && c <= "9") {
      if (!digit && i > start) {
        flush(i, true);
        start = i;
        openList();
      }
      digit = true;
    } else {
      if (digit && i > start) {
        flush(i);
        start = i;
        openList();
      }
      digit = false;
    }
  }
  if (text.length > start) flush(text.length);
  for (const nested of stack.reverse()) normalize(nested);
  return root;
}

function compareItem(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return -compareItem(b, undefined);
  switch (a.kind) {
    case "int":
      if (b === undefined) return a.value === 0n ? 0 : 1;
      if (b.kind === "int") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return 1;
    case "string": {
      if (b === undefined) return Math.sign(compareText(qualifierKey(a.value), qualifierKey("")));
      if (b.kind === "string") return Math.sign(compareText(qualifierKey(a.value), qualifierKey(b.value)));
      return -1;
    }
    case "list": {
      if (b === undefined) return a.items.length === 0 ? 0 : compareItem(a.items[0], undefined);
      if (b.kind === "int") return -1;
      if (b.kind === "string") return 1;
      return compareLists(a.items, b.items);
    }
  }
}

function compareLists(a: readonly Item[], b: readonly Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = compareItem(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareMaven(a: string, b: string): number | undefined {
  if (a.trim() === "" || b.trim() === "") return undefined;
  return compareLists(parseMaven(a), parseMaven(b));
}

export const mavenScheme: VersionScheme = parsedScheme(
  "maven",
  (version) => (version.trim() === "" ? undefined : parseMaven(version)),
  compareLists,
);
