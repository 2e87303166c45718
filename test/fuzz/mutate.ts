/**
 * Seeded, replayable mutations of fixture bytes. Each input is a pure function of (seed, target,
 * iteration), so one failing input can be rebuilt without running the ones before it.
 */

/** FNV-1a over the text: the per-input seed. */
export function inputSeed(seed: number, target: string, iteration: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of `${target}\0${iteration}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

const interestingBytes = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x5b, 0x7b, 0x3a, 0x2d, 0x26];
/** Sizes and offsets that overflow, wrap or point past any file. */
const interestingWords = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 0xffff, 0];
/** Text that parsers of the formats here treat specially. */
const interestingText = [
  "\n",
  "\0",
  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
  "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
  "&a;&a;&a;&a;",
  "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
  "*a *a *a *a *a",
  "&a [*a, *a, *a, *a]",
  "#{#{#{#{#{",
  "%w(",
  "<<~EOS\n",
  "\uFFFD",
  "\uD800",
  "../../../../etc/passwd",
  "-1",
  "99999999999999999999999999",
  "1e308",
  '"',
  "'",
  "\\",
  " ",
];

export type Mutation = "flip" | "byte" | "word" | "truncate" | "duplicate" | "delete" | "splice" | "insert" | "text";

const mutations: Mutation[] = ["flip", "byte", "word", "truncate", "duplicate", "delete", "splice", "insert", "text"];

/**
 * 1 to 4 stacked mutations of `seed` (`other` is a second fixture to splice from). Outputs are
 * capped at `maxBytes` so duplication cannot grow an input without end.
 */
export function mutate(seed: Buffer, other: Buffer, next: () => number, maxBytes: number): Buffer {
  let data = Buffer.from(seed);
  const rounds = 1 + Math.floor(next() * 4);
  const at = (length: number): number => Math.floor(next() * Math.max(length, 1));
  // Headers and tables (ELF, zip, tar, sqlite) sit at the start or the end of a file: aim there often.
  const near = (length: number): number => {
    const roll = next();
    if (roll < 0.4) return at(Math.min(length, 4096));
    if (roll < 0.6) return Math.max(0, length - 1 - at(Math.min(length, 4096)));
    return at(length);
  };
  for (let round = 0; round < rounds; round++) {
    const kind = mutations[Math.floor(next() * mutations.length)] ?? "flip";
    switch (kind) {
      case "flip": {
        const flips = 1 + Math.floor(next() * 8);
        for (let i = 0; i < flips && data.length > 0; i++) {
          const index = near(data.length);
          data[index] = (data[index] ?? 0) ^ (1 << Math.floor(next() * 8));
        }
        break;
      }
      case "byte":
        if (data.length > 0) data[near(data.length)] = interestingBytes[at(interestingBytes.length)] ?? 0;
        break;
      case "word": {
        if (data.length < 4) break;
        const index = near(data.length - 3);
        const value = interestingWords[at(interestingWords.length)] ?? 0;
        if (next() < 0.5) data.writeUInt32LE(value >>> 0, index);
        else data.writeUInt32BE(value >>> 0, index);
        break;
      }
      case "truncate":
        data = data.subarray(0, at(data.length));
        break;
      case "duplicate": {
        const start = at(data.length);
        const chunk = data.subarray(start, start + 1 + at(Math.min(4096, data.length - start)));
        const times = 1 + Math.floor(next() * 16);
        const insertAt = at(data.length);
        data = Buffer.concat([
          data.subarray(0, insertAt),
          ...Array<Buffer>(times).fill(chunk),
          data.subarray(insertAt),
        ]);
        break;
      }
      case "delete": {
        const start = at(data.length);
        data = Buffer.concat([data.subarray(0, start), data.subarray(start + 1 + at(4096))]);
        break;
      }
      case "splice": {
        const cut = at(data.length);
        const from = at(other.length);
        data = Buffer.concat([data.subarray(0, cut), other.subarray(from, from + 1 + at(8192))]);
        break;
      }
      case "insert": {
        const noise = Buffer.alloc(1 + at(64));
        for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(next() * 256);
        const index = at(data.length);
        data = Buffer.concat([data.subarray(0, index), noise, data.subarray(index)]);
        break;
      }
      case "text": {
        const text = Buffer.from(interestingText[at(interestingText.length)] ?? "");
        const index = at(data.length);
        const repeat = next() < 0.2 ? 1 + at(200) : 1;
        data = Buffer.concat([data.subarray(0, index), ...Array<Buffer>(repeat).fill(text), data.subarray(index)]);
        break;
      }
    }
    if (data.length > maxBytes) data = data.subarray(0, maxBytes);
  }
  return data;
}
