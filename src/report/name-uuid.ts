import { createHash } from "node:crypto";

// The RFC 9562 namespace for URLs; the names hashed under it are strata's own strings.
const urlNamespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");

/**
 * A name-based (version 5) UUID: the same name always gives the same UUID, so rendering one report
 * twice gives the same document, and a new scan (a new time) gives a new one.
 */
export function nameUuid(name: string): string {
  const bytes = createHash("sha1").update(urlNamespace).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
