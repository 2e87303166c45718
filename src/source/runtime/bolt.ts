/**
 * A read-only reader for bbolt database files (containerd's metadata store): the meta pages, then
 * B+tree pages of nested buckets. Every offset, size and page number is checked against the file before
 * it is used, so a damaged or hostile file gives an InputError, never a crash or a read outside it.
 *
 * Layout (little-endian): each page starts with a 16-byte header (id u64, flags u16, count u16,
 * overflow u32). Pages 0 and 1 hold the two meta records; the valid one with the higher txid wins.
 * Branch elements are 16 bytes (pos u32, ksize u32, child pgid u64); leaf elements are 16 bytes
 * (flags u32, pos u32, ksize u32, vsize u32), with the key `pos` bytes after the element and the value
 * right after the key. A leaf value flagged as a bucket starts with the bucket's root pgid and sequence;
 * root 0 means the bucket's single leaf page is stored inline after those 16 bytes.
 */
import { open, type FileHandle } from "node:fs/promises";
import { InputError } from "../../errors.ts";

const pageHeaderBytes = 16;
const elementBytes = 16;
const metaBytes = 64;
const metaChecksummedBytes = 56;
const magic = 0xed0cdaed;
const formatVersion = 2;
const branchFlag = 0x01;
const leafFlag = 0x02;
const bucketValueFlag = 0x01;
const bucketHeaderBytes = 16;
const maxTreeDepth = 64;
const minPageSize = 512;
const maxPageSize = 1 << 20;
const maxOverflowBytes = 256 * 1024 * 1024;

/** A bucket: its root page, or its one leaf page stored inline in the parent's value. */
export type BoltBucket = { kind: "paged"; root: number } | { kind: "inline"; page: Buffer };

export interface BoltEntry {
  key: Buffer;
  /** The value, or undefined when the key names a nested bucket. */
  value?: Buffer;
  bucket?: BoltBucket;
}

interface Meta {
  pageSize: number;
  root: number;
  /** First page number past the end of the data (the high-water mark). */
  highWater: number;
  txid: bigint;
}

/** A read-only view of one bbolt file, pinned to the meta record it was opened at. */
export class BoltFile {
  readonly label: string;
  private readonly handle: FileHandle;
  private readonly fileSize: number;
  private readonly meta: Meta;
  private readonly pages = new Map<number, Buffer>();

  private constructor(handle: FileHandle, label: string, fileSize: number, meta: Meta) {
    this.handle = handle;
    this.label = label;
    this.fileSize = fileSize;
    this.meta = meta;
  }

  static async open(path: string): Promise<BoltFile> {
    const handle = await open(path, "r");
    try {
      const fileSize = (await handle.stat()).size;
      const meta = await readMeta(handle, fileSize, `bolt database ${path}`);
      return new BoltFile(handle, `bolt database ${path}`, fileSize, meta);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The transaction the view was opened at. */
  get txid(): bigint {
    return this.meta.txid;
  }

  /** The txid of the newest valid meta record now on disk (to tell whether a writer committed meanwhile). */
  async currentTxid(): Promise<bigint> {
    const size = (await this.handle.stat()).size;
    return (await readMeta(this.handle, size, this.label)).txid;
  }

  root(): BoltBucket {
    return { kind: "paged", root: this.meta.root };
  }

  /** The nested bucket under `name`, if there is one. */
  async bucket(parent: BoltBucket, name: string | Buffer): Promise<BoltBucket | undefined> {
    return (await this.find(parent, toKey(name)))?.bucket;
  }

  /** Follows a path of bucket names from `parent`. */
  async bucketAt(parent: BoltBucket, ...names: string[]): Promise<BoltBucket | undefined> {
    let current: BoltBucket | undefined = parent;
    for (const name of names) {
      if (current === undefined) return undefined;
      current = await this.bucket(current, name);
    }
    return current;
  }

  /** The plain value under `key`, if there is one (a nested bucket is not a value). */
  async get(bucket: BoltBucket, key: string | Buffer): Promise<Buffer | undefined> {
    return (await this.find(bucket, toKey(key)))?.value;
  }

  /** Every entry of a bucket, in key order. */
  async entries(bucket: BoltBucket): Promise<BoltEntry[]> {
    const out: BoltEntry[] = [];
    if (bucket.kind === "inline") {
      const node = parseNode(bucket.page, undefined, this.label);
      if (!node.leaf) throw new InputError(`${this.label}: an inline bucket holds a branch page`);
      for (let i = 0; i < node.count; i++) out.push(this.leafEntry(node, i));
      return out;
    }
    await this.collect(bucket.root, out, 0, new Set());
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async collect(pgid: number, out: BoltEntry[], depth: number, path: Set<number>): Promise<void> {
    if (depth > maxTreeDepth || path.has(pgid)) throw new InputError(`${this.label}: page ${pgid} loops back`);
    const node = parseNode(await this.page(pgid), pgid, this.label);
    if (node.leaf) {
      for (let i = 0; i < node.count; i++) out.push(this.leafEntry(node, i));
      return;
    }
    path.add(pgid);
    for (let i = 0; i < node.count; i++) await this.collect(branchChild(node, i, this.label), out, depth + 1, path);
    path.delete(pgid);
  }

  private async find(bucket: BoltBucket, key: Buffer): Promise<BoltEntry | undefined> {
    let node: Node;
    if (bucket.kind === "inline") node = parseNode(bucket.page, undefined, this.label);
    else {
      let pgid = bucket.root;
      for (let depth = 0; ; depth++) {
        if (depth > maxTreeDepth) throw new InputError(`${this.label}: the tree under page ${bucket.root} is too deep`);
        node = parseNode(await this.page(pgid), pgid, this.label);
        if (node.leaf) break;
        pgid = branchChild(node, branchIndexFor(node, key, this.label), this.label);
      }
    }
    if (!node.leaf) throw new InputError(`${this.label}: an inline bucket holds a branch page`);
    for (let i = 0; i < node.count; i++) {
      const entry = this.leafEntry(node, i);
      const order = Buffer.compare(entry.key, key);
      if (order === 0) return entry;
      if (order > 0) return undefined;
    }
    return undefined;
  }

  private leafEntry(node: Node, index: number): BoltEntry {
    const at = pageHeaderBytes + index * elementBytes;
    const flags = readU32(node.data, at, this.label);
    const pos = readU32(node.data, at + 4, this.label);
    const keySize = readU32(node.data, at + 8, this.label);
    const valueSize = readU32(node.data, at + 12, this.label);
    const key = slice(node.data, at + pos, keySize, this.label);
    const value = slice(node.data, at + pos + keySize, valueSize, this.label);
    if ((flags & bucketValueFlag) === 0) return { key, value };
    return { key, bucket: this.bucketOf(value) };
  }

  private bucketOf(value: Buffer): BoltBucket {
    if (value.length < bucketHeaderBytes) throw new InputError(`${this.label}: a bucket header is cut short`);
    const root = toPageNumber(value.readBigUInt64LE(0), this.label);
    if (root !== 0) {
      this.checkPageNumber(root);
      return { kind: "paged", root };
    }
    return { kind: "inline", page: value.subarray(bucketHeaderBytes) };
  }

  private checkPageNumber(pgid: number): void {
    if (pgid < 2 || pgid >= this.meta.highWater) {
      throw new InputError(`${this.label}: page ${pgid} is outside the database (${this.meta.highWater} pages)`);
    }
  }

  private async page(pgid: number): Promise<Buffer> {
    const cached = this.pages.get(pgid);
    if (cached) return cached;
    this.checkPageNumber(pgid);
    const { pageSize } = this.meta;
    const start = pgid * pageSize;
    const head = await this.read(start, pageHeaderBytes);
    const overflow = head.readUInt32LE(12);
    const length = (overflow + 1) * pageSize;
    if (length > maxOverflowBytes || pgid + overflow >= this.meta.highWater) {
      throw new InputError(`${this.label}: page ${pgid} claims ${overflow} overflow pages`);
    }
    const page = await this.read(start, length);
    this.pages.set(pgid, page);
    return page;
  }

  private async read(position: number, length: number): Promise<Buffer> {
    if (position + length > this.fileSize) throw new InputError(`${this.label} is cut short at byte ${position}`);
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(bytes, 0, length, position);
    if (bytesRead < length) throw new InputError(`${this.label} is cut short at byte ${position}`);
    return bytes;
  }
}

/**
 * Runs `read` on a view of the database and checks that no writer committed meanwhile: bbolt reuses freed
 * pages, so a commit during the read could have changed pages under it. Tries a few times, then gives up.
 */
export async function readBoltConsistently<T>(path: string, read: (db: BoltFile) => Promise<T>): Promise<T> {
  const attempts = 4;
  for (let attempt = 1; ; attempt++) {
    const db = await BoltFile.open(path);
    try {
      let result: T;
      try {
        result = await read(db);
      } catch (error) {
        if (attempt < attempts && error instanceof InputError && (await db.currentTxid()) !== db.txid) continue;
        throw error;
      }
      if ((await db.currentTxid()) === db.txid) return result;
      if (attempt >= attempts)
        throw new InputError(`${db.label} kept changing while it was read; try again when it is quieter`);
    } finally {
      await db.close();
    }
  }
}

interface Node {
  leaf: boolean;
  count: number;
  data: Buffer;
}

function parseNode(data: Buffer, pgid: number | undefined, label: string): Node {
  const where = pgid === undefined ? "an inline page" : `page ${pgid}`;
  if (data.length < pageHeaderBytes) throw new InputError(`${label}: ${where} is cut short`);
  if (pgid !== undefined && toPageNumber(data.readBigUInt64LE(0), label) !== pgid) {
    throw new InputError(`${label}: ${where} is labelled as another page`);
  }
  const flags = data.readUInt16LE(8);
  const count = data.readUInt16LE(10);
  const leaf = (flags & leafFlag) !== 0;
  if (!leaf && (flags & branchFlag) === 0) throw new InputError(`${label}: ${where} is not a tree page`);
  if (pageHeaderBytes + count * elementBytes > data.length) {
    throw new InputError(`${label}: ${where} lists more elements than it can hold`);
  }
  return { leaf, count, data };
}

function branchKey(node: Node, index: number, label: string): Buffer {
  const at = pageHeaderBytes + index * elementBytes;
  return slice(node.data, at + readU32(node.data, at, label), readU32(node.data, at + 4, label), label);
}

function branchChild(node: Node, index: number, label: string): number {
  const at = pageHeaderBytes + index * elementBytes;
  if (at + elementBytes > node.data.length) throw new InputError(`${label}: a branch element is cut short`);
  return toPageNumber(node.data.readBigUInt64LE(at + 8), label);
}

/** The child to descend into: the last one whose first key is at most `key` (the first when none is). */
function branchIndexFor(node: Node, key: Buffer, label: string): number {
  if (node.count === 0) throw new InputError(`${label}: an empty branch page`);
  let chosen = 0;
  for (let i = 0; i < node.count; i++) {
    const order = Buffer.compare(branchKey(node, i, label), key);
    if (order > 0) break;
    chosen = i;
    if (order === 0) break;
  }
  return chosen;
}

async function readMeta(handle: FileHandle, fileSize: number, label: string): Promise<Meta> {
  const first = await readAt(handle, 0, pageHeaderBytes + metaBytes, fileSize);
  const firstMeta = first && parseMeta(first.subarray(pageHeaderBytes));
  const pageSize = firstMeta?.pageSize ?? (await guessPageSize(handle, fileSize));
  const second =
    pageSize === undefined ? undefined : await readAt(handle, pageSize, pageHeaderBytes + metaBytes, fileSize);
  const secondMeta = second && parseMeta(second.subarray(pageHeaderBytes));
  const candidates = [firstMeta, secondMeta].filter((meta): meta is Meta => meta !== undefined);
  const [best] = candidates.sort((a, b) => (a.txid > b.txid ? -1 : a.txid < b.txid ? 1 : 0));
  if (best === undefined)
    throw new InputError(`${label} is not a bolt database, or both of its meta pages are damaged`);
  return best;
}

/** When meta page 0 is damaged, page 1 is found by trying the page sizes bbolt may have used. */
async function guessPageSize(handle: FileHandle, fileSize: number): Promise<number | undefined> {
  for (let size = minPageSize; size <= 65536; size *= 2) {
    const bytes = await readAt(handle, size, pageHeaderBytes + metaBytes, fileSize);
    if (bytes && parseMeta(bytes.subarray(pageHeaderBytes))?.pageSize === size) return size;
  }
  return undefined;
}

async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  fileSize: number,
): Promise<Buffer | undefined> {
  if (position + length > fileSize) return undefined;
  const bytes = Buffer.alloc(length);
  const { bytesRead } = await handle.read(bytes, 0, length, position);
  return bytesRead === length ? bytes : undefined;
}

/** A meta record, or undefined when its magic, version, page size or checksum is wrong. */
function parseMeta(bytes: Buffer): Meta | undefined {
  if (bytes.length < metaBytes) return undefined;
  if (bytes.readUInt32LE(0) !== magic || bytes.readUInt32LE(4) !== formatVersion) return undefined;
  const pageSize = bytes.readUInt32LE(8);
  if (pageSize < minPageSize || pageSize > maxPageSize || (pageSize & (pageSize - 1)) !== 0) return undefined;
  if (fnv1a64(bytes.subarray(0, metaChecksummedBytes)) !== bytes.readBigUInt64LE(metaChecksummedBytes))
    return undefined;
  const root = bytes.readBigUInt64LE(16);
  const highWater = bytes.readBigUInt64LE(40);
  if (highWater > BigInt(Number.MAX_SAFE_INTEGER) || root >= highWater) return undefined;
  return { pageSize, root: Number(root), highWater: Number(highWater), txid: bytes.readBigUInt64LE(48) };
}

function fnv1a64(bytes: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

function toPageNumber(value: bigint, label: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`${label}: page number ${value} is out of range`);
  return Number(value);
}

function readU32(data: Buffer, at: number, label: string): number {
  if (at + 4 > data.length) throw new InputError(`${label}: an element is cut short`);
  return data.readUInt32LE(at);
}

function slice(data: Buffer, start: number, length: number, label: string): Buffer {
  if (start + length > data.length) throw new InputError(`${label}: a key or value runs past its page`);
  return data.subarray(start, start + length);
}

function toKey(key: string | Buffer): Buffer {
  return typeof key === "string" ? Buffer.from(key, "utf8") : key;
}
