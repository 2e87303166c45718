/** Bounded parsing of, and narrowing helpers for, JSON documents read by catalogers. */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value when it is a non-empty string (after trimming), else undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Deeper nesting than any package file needs (an npm v1 lock nests two levels per node_modules). */
export const maxJsonDepth = 512;
/** Objects and arrays one document may hold: parsed, each costs about 30 times its two bytes of text. */
export const maxJsonContainers = 1_000_000;
/** Values, keys and containers one document may hold (about 40 bytes of text each in a real lock file). */
export const maxJsonItems = 4_000_000;
/** Entries (packages, libraries) a cataloger reads from one document; the rest are left out with an issue. */
export const maxJsonEntries = 100_000;

/**
 * The document in `content` (a UTF-8 byte order mark allowed), or why it was not read: not JSON,
 * or nested or sized past the caps above. The caps are checked by one pass over the bytes before
 * JSON.parse, whose time and memory grow steeply with nesting and with small containers.
 */
export function parseJson(content: Uint8Array): { value: unknown } | { problem: string } {
  const shape = jsonShape(content);
  if (shape.depth > maxJsonDepth) return { problem: `JSON nested deeper than ${maxJsonDepth} levels; not read` };
  if (shape.containers > maxJsonContainers) {
    return { problem: `JSON of more than ${maxJsonContainers} objects and arrays; not read` };
  }
  if (shape.items > maxJsonItems) return { problem: `JSON of more than ${maxJsonItems} values; not read` };
  try {
    const source = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("utf8");
    return { value: JSON.parse(source.replace(/^\uFEFF/, "")) };
  } catch (error) {
    return { problem: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

interface JsonShape {
  /** The deepest nesting reached, stopping at the first level past maxJsonDepth. */
  depth: number;
  containers: number;
  /** Containers plus separators (commas and colons): about one per value, key or container. */
  items: number;
}

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openArray = 0x5b;
const openObject = 0x7b;
const closeArray = 0x5d;
const closeObject = 0x7d;

/** Counts nesting, containers and separators outside strings; stops as soon as a cap is passed. */
function jsonShape(bytes: Uint8Array): JsonShape {
  let depth = 0;
  let deepest = 0;
  let containers = 0;
  let items = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === quote) {
      // Steps over the string; a backslash escapes the byte after it.
      for (i++; i < bytes.length && bytes[i] !== quote; i++) if (bytes[i] === backslash) i++;
    } else if (byte === openArray || byte === openObject) {
      depth++;
      containers++;
      items++;
      if (depth > deepest) deepest = depth;
      if (deepest > maxJsonDepth || containers > maxJsonContainers) break;
    } else if (byte === closeArray || byte === closeObject) {
      depth--;
    } else if (byte === comma || byte === colon) {
      items++;
      if (items > maxJsonItems) break;
    }
  }
  return { depth: deepest, containers, items };
}

/**
 * A file's problems, capped: the first few are kept word for word and the rest only counted, so a
 * document of a million bad entries costs a few strings. A cap the reading ran into is always listed.
 */
export class Problems {
  private readonly capsReached: string[] = [];
  private readonly listed: string[] = [];
  private unlisted = 0;
  private readonly max: number;

  constructor(max = 20) {
    this.max = max;
  }

  push(message: string): void {
    if (this.listed.length < this.max) this.listed.push(message);
    else this.unlisted += 1;
  }

  capReached(message: string): void {
    this.capsReached.push(message);
  }

  list(): string[] {
    const more = this.unlisted === 0 ? [] : [`${this.unlisted} more problems not listed`];
    return [...this.capsReached, ...this.listed, ...more];
  }
}

/**
 * The entries one document's readers take, over all their loops: at most maxJsonEntries, and then
 * one problem says the rest were left out. Objects are walked without listing all their entries first.
 */
export class EntryBudget {
  private left = maxJsonEntries;
  private readonly problems: Problems;
  private readonly what: string;

  /** `what` names the entries in the problem ("libraries"). */
  constructor(problems: Problems, what: string) {
    this.problems = problems;
    this.what = what;
  }

  *entries(object: JsonObject): Generator<[string, unknown]> {
    for (const key in object) {
      if (!this.take()) return;
      yield [key, object[key]];
    }
  }

  *items(array: readonly unknown[]): Generator<[number, unknown]> {
    for (let index = 0; index < array.length; index++) {
      if (!this.take()) return;
      yield [index, array[index]];
    }
  }

  private take(): boolean {
    if (this.left > 0) {
      this.left -= 1;
      return true;
    }
    if (this.left === 0) {
      this.left = -1;
      this.problems.capReached(`more than ${maxJsonEntries} ${this.what}: the rest are left out`);
    }
    return false;
  }
}
