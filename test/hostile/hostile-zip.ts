/**
 * A zip writer for hostile archives (PKWARE APPNOTE: local headers, central directory, end of
 * central directory): any entry may lie about its sizes, and the end record about the entry count.
 */
import { crc32, createDeflateRaw, deflateRawSync } from "node:zlib";

export interface ZipInput {
  name: string;
  /** The content, or (with `deflated`) the already deflated content. */
  data: Buffer | string;
  /** `data` is deflated already; its inflated size and CRC are given. */
  deflated?: { size: number; crc: number };
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** The uncompressed size written in both headers; defaults to the real one. */
  declaredSize?: number;
}

export interface ZipOptions {
  /** The entry count written in the end record; above 0xffff it goes in a ZIP64 end record. */
  declaredCount?: number;
}

/** A zip of the entries, every header and the central directory written as the options say. */
export function zipOf(entries: readonly ZipInput[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = typeof entry.data === "string" ? Buffer.from(entry.data) : entry.data;
    const method = entry.deflated ? 8 : (entry.method ?? 8);
    const stored = method === 8 && !entry.deflated ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name);
    const size = entry.declaredSize ?? entry.deflated?.size ?? data.length;
    const crc = entry.deflated?.crc ?? crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(Math.min(size, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(Math.min(size, 0xffffffff), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const count = options.declaredCount ?? entries.length;
  const tail: Buffer[] = [];
  if (count > 0xffff) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, ...tail, end]);
}

/** A jar with one pom.properties, so the archive is a package. */
export function jarOf(group: string, artifact: string, version: string, extra: readonly ZipInput[] = []): Buffer {
  return zipOf([
    { name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\r\n\r\n" },
    {
      name: `META-INF/maven/${group}/${artifact}/pom.properties`,
      data: `groupId=${group}\nartifactId=${artifact}\nversion=${version}\n`,
    },
    ...extra,
  ]);
}

/** A wheel holding one distribution's METADATA. */
export function wheelOf(name: string, version: string, extra: readonly ZipInput[] = []): Buffer {
  return zipOf([
    {
      name: `${name}-${version}.dist-info/METADATA`,
      data: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
    },
    ...extra,
  ]);
}

/** An egg holding one distribution's PKG-INFO. */
export function eggOf(name: string, version: string, extra: readonly ZipInput[] = []): Buffer {
  return zipOf([
    { name: "EGG-INFO/PKG-INFO", data: `Metadata-Version: 1.1\nName: ${name}\nVersion: ${version}\n` },
    ...extra,
  ]);
}

/** An entry of `size` zero bytes, deflated a MiB at a time so the zeros are never all in memory. */
export async function zeroEntry(name: string, size: number): Promise<ZipInput> {
  const chunk = Buffer.alloc(1024 * 1024);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (data: Buffer) => out.push(data));
  const ended = new Promise((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  let crc = 0;
  for (let left = size; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(part, crc);
    if (!deflate.write(part)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await ended;
  return { name, data: Buffer.concat(out), deflated: { size, crc } };
}
