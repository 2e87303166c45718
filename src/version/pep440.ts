import { compare, parse, valid } from "@renovatebot/pep440";
import type { VersionScheme } from "./scheme.ts";

/**
 * PEP 440, through Renovate's implementation; legacy (invalid) versions are not ordered. Equal
 * versions have the same epoch and the same release numbers once trailing zeros are dropped
 * (1.0 == 1.0.0), which is the equality key.
 */
export const pep440Scheme: VersionScheme = {
  name: "pep440",
  compare: (a, b) => {
    if (valid(a) === null || valid(b) === null) return undefined;
    // Equal texts parse alike: the same key, which compares equal.
    return a === b ? 0 : Math.sign(compare(a, b));
  },
  equalityKey: (version) => {
    const parsed = parse(version);
    if (!parsed) return undefined;
    let end = parsed.release.length;
    while (end > 0 && parsed.release[end - 1] === 0) end--;
    const release = end === 0 ? "0" : parsed.release.slice(0, end).join(".");
    return parsed.epoch === 0 ? release : `${parsed.epoch}!${release}`;
  },
};
