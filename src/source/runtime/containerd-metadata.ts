/**
 * containerd's image records, read from its metadata database (bbolt) without the daemon:
 * v1/<namespace>/images/<name>/target/{digest, mediatype, size} and createdat.
 */
import { join } from "node:path";
import { InputError } from "../../errors.ts";
import { isDigest } from "../digest.ts";
import { type BoltBucket, type BoltFile, readBoltConsistently } from "./bolt.ts";

export interface ContainerdImage {
  namespace: string;
  name: string;
  target: { digest: string; mediaType: string; size: number };
  created?: string;
}

export const metadataPath = join("io.containerd.metadata.v1.bolt", "meta.db");
export const contentPath = "io.containerd.content.v1.content";

const schemaVersionBucket = "v1";

/** Every image record of every namespace (or of the namespaces named). */
export async function readContainerdImages(root: string, namespaces?: readonly string[]): Promise<ContainerdImage[]> {
  return readBoltConsistently(join(root, metadataPath), async (db) => {
    const top = await db.bucket(db.root(), schemaVersionBucket);
    if (top === undefined)
      throw new InputError(`${db.label} has no "${schemaVersionBucket}" bucket: not containerd metadata`);
    const images: ContainerdImage[] = [];
    for (const entry of await db.entries(top)) {
      const namespace = entry.key.toString("utf8");
      if (entry.bucket === undefined || (namespaces !== undefined && !namespaces.includes(namespace))) continue;
      const bucket = await db.bucket(entry.bucket, "images");
      if (bucket !== undefined) images.push(...(await readNamespaceImages(db, bucket, namespace)));
    }
    return images;
  });
}

/** The namespaces the database has, with or without images. */
export async function readContainerdNamespaces(root: string): Promise<string[]> {
  return readBoltConsistently(join(root, metadataPath), async (db) => {
    const top = await db.bucket(db.root(), schemaVersionBucket);
    if (top === undefined) return [];
    return (await db.entries(top)).filter((entry) => entry.bucket !== undefined).map((entry) => entry.key.toString());
  });
}

async function readNamespaceImages(db: BoltFile, images: BoltBucket, namespace: string): Promise<ContainerdImage[]> {
  const out: ContainerdImage[] = [];
  for (const entry of await db.entries(images)) {
    if (entry.bucket === undefined) continue;
    const name = entry.key.toString("utf8");
    const what = `${db.label}: image "${name}" in namespace ${namespace}`;
    const target = await db.bucket(entry.bucket, "target");
    if (target === undefined) throw new InputError(`${what} has no target`);
    const digest = (await db.get(target, "digest"))?.toString("utf8") ?? "";
    if (!isDigest(digest)) throw new InputError(`${what}: target digest "${digest}" is not a sha256 or sha512 digest`);
    const mediaType = (await db.get(target, "mediatype"))?.toString("utf8") ?? "";
    const sizeBytes = await db.get(target, "size");
    const created = decodeGoTime(await db.get(entry.bucket, "createdat"));
    out.push({
      namespace,
      name,
      target: { digest, mediaType, size: sizeBytes === undefined ? 0 : decodeVarint(sizeBytes, what) },
      ...(created === undefined ? {} : { created }),
    });
  }
  return out;
}

/** Go's binary.PutVarint: a zigzag-encoded signed LEB128 integer. */
export function decodeVarint(bytes: Buffer, what: string): number {
  let value = 0n;
  for (let i = 0; i < Math.min(bytes.length, 10); i++) {
    const byte = bytes[i] ?? 0;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      const signed = (value >> 1n) ^ -(value & 1n);
      if (signed < 0n || signed > BigInt(Number.MAX_SAFE_INTEGER))
        throw new InputError(`${what}: size ${signed} is out of range`);
      return Number(signed);
    }
  }
  throw new InputError(`${what}: the size is not a valid varint`);
}

const secondsFromYearOneToEpoch = 62_135_596_800n;

/** Go's time.MarshalBinary: version, seconds since year 1 (int64), nanoseconds (int32), zone offset. */
export function decodeGoTime(bytes: Buffer | undefined): string | undefined {
  if (bytes === undefined || bytes.length < 15 || (bytes[0] !== 1 && bytes[0] !== 2)) return undefined;
  const seconds = bytes.readBigInt64BE(1) - secondsFromYearOneToEpoch;
  const nanos = bytes.readInt32BE(9);
  const millis = Number(seconds) * 1000 + Math.floor(nanos / 1e6);
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
