import { createHash } from "node:crypto";
import { InputError } from "../errors.ts";

const digestPattern = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Only sha256 and sha512 with lowercase hex: a digest also names a file, so nothing else may pass. */
export function isDigest(value: string): boolean {
  return digestPattern.test(value);
}

export function expectDigest(value: string, what: string): string {
  if (!isDigest(value)) throw new InputError(`${what}: "${value}" is not a sha256 or sha512 digest`);
  return value;
}

/** "sha256:abc…" → "blobs/sha256/abc…" (the digest must have been checked with isDigest). */
export function blobPath(digest: string): string {
  return `blobs/${digest.replace(":", "/")}`;
}

/** The digest a "blobs/<algorithm>/<hex>" name stands for, if it is one. */
export function digestOfBlobPath(name: string): string | undefined {
  const match = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
  if (!match) return undefined;
  const digest = `${match[1]}:${match[2]}`;
  return isDigest(digest) ? digest : undefined;
}

export function digestOf(bytes: Buffer, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** Checks bytes read for a descriptor against its digest. */
export function verifyDigest(bytes: Buffer, expected: string, what: string): void {
  const actual = digestOf(bytes, expected.startsWith("sha512:") ? "sha512" : "sha256");
  if (actual !== expected)
    throw new InputError(`${what} does not match its digest: expected ${expected}, got ${actual}`);
}
