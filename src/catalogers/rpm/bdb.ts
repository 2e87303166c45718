// The values of a Berkeley DB hash database ("Packages" of rpm up to 4.15): each value is one RPM
// header image. Pages are read in file order, the way the peers read them, rather than bucket by
// bucket: every hash page's data items are taken, big ones from their overflow page chains.
//
// Layout (Berkeley DB 4.x/5.x, in the byte order of the host that wrote it, told by the magic):
//   page 0, hash metadata: magic u32 @12 (0x061561), page size u32 @20, encryption u8 @24,
//     page type u8 @25 (8), last page number u32 @32
//   other pages: page number u32 @8, next page u32 @16, item count u16 @20, "high free offset"
//     u16 @22 (the bytes used, on overflow pages), page type u8 @25; on hash pages the u16 item
//     offsets follow from byte 26, items alternate key and data, and each item starts with its
//     type byte: 1 data in place, 3 off-page (pgno u32 @4, total length u32 @8)

const hashMagic = 0x061561;
const btreeMagic = 0x053162;
const pageHeaderSize = 26;

const pageType = { hashUnsorted: 2, overflow: 7, hashMeta: 8, hash: 13 } as const;
const itemType = { keyData: 1, duplicate: 2, offPage: 3, offDuplicate: 4 } as const;

/** Values shorter than this cannot be an RPM header (preamble plus one index entry); rpm keeps a counter in one. */
const minHeaderBytes = 24;

export function isBerkeleyDb(content: Buffer): boolean {
  if (content.length < 16) return false;
  const le = content.readUInt32LE(12);
  const be = content.readUInt32BE(12);
  return le === hashMagic || be === hashMagic || le === btreeMagic || be === btreeMagic;
}

type U16 = (at: number) => number;
type U32 = (at: number) => number;

/**
 * Yields each stored value of a Berkeley DB hash file. Problems (truncation, pages pointing past the
 * end, broken overflow chains) are pushed to `issues` and the remaining values are still yielded.
 */
export function* berkeleyDbValues(content: Buffer, issues: string[]): Generator<Buffer> {
  if (content.length < 72) {
    issues.push(`Berkeley DB: file of ${content.length} bytes is shorter than its metadata page`);
    return;
  }
  const littleEndian = content.readUInt32LE(12) === hashMagic || content.readUInt32LE(12) === btreeMagic;
  const u16: U16 = littleEndian ? (at) => content.readUInt16LE(at) : (at) => content.readUInt16BE(at);
  const u32: U32 = littleEndian ? (at) => content.readUInt32LE(at) : (at) => content.readUInt32BE(at);

  if (u32(12) !== hashMagic) {
    issues.push("Berkeley DB: a btree database, not the hash database rpm writes; not read");
    return;
  }
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    issues.push(`Berkeley DB: unusable page size ${pageSize}`);
    return;
  }
  if (content[24] !== 0) {
    issues.push("Berkeley DB: the database is encrypted; not read");
    return;
  }
  if (content[25] !== pageType.hashMeta) {
    issues.push(`Berkeley DB: page 0 has type ${content[25] ?? "?"}, not hash metadata`);
    return;
  }
  const claimedPages = u32(32) + 1;
  const wholePages = Math.floor(content.length / pageSize);
  if (claimedPages > wholePages) {
    issues.push(
      `Berkeley DB: truncated: the metadata counts ${claimedPages} pages of ${pageSize} bytes, the file holds ${wholePages}`,
    );
  }
  const pageCount = Math.min(claimedPages, wholePages);
  const reader = new OverflowReader(content, pageSize, pageCount, u16, u32);

  for (let pgno = 1; pgno < pageCount; pgno++) {
    const page = pgno * pageSize;
    const type = content[page + 25];
    if (type !== pageType.hash && type !== pageType.hashUnsorted) continue;
    if (u32(page + 8) !== pgno) {
      issues.push(`Berkeley DB: page ${pgno} says it is page ${u32(page + 8)}; skipped`);
      continue;
    }
    const items = u16(page + 20);
    const firstItem = pageHeaderSize + 2 * items;
    if (firstItem > pageSize) {
      issues.push(`Berkeley DB: page ${pgno} claims ${items} items, more than fit in a page; skipped`);
      continue;
    }
    // Items alternate key, data: only the data items (odd indexes) hold headers.
    for (let index = 1; index < items; index += 2) {
      const start = u16(page + pageHeaderSize + 2 * index);
      // Items are packed from the end of the page downwards: each ends where the one before it starts.
      const end = u16(page + pageHeaderSize + 2 * (index - 1));
      const where = `page ${pgno} item ${index}`;
      if (start < firstItem || start >= pageSize || end > pageSize || end <= start) {
        issues.push(`Berkeley DB: ${where} lies outside the page (offset ${start}); skipped`);
        continue;
      }
      const type = content[page + start];
      if (type === itemType.offPage) {
        if (start + 12 > end) {
          issues.push(`Berkeley DB: ${where} is an off-page reference cut short; skipped`);
          continue;
        }
        const value = reader.read(u32(page + start + 4), u32(page + start + 8), where, issues);
        if (value) yield value;
      } else if (type === itemType.keyData) {
        if (end - start - 1 >= minHeaderBytes) yield content.subarray(page + start + 1, page + end);
      } else if (type === itemType.duplicate || type === itemType.offDuplicate) {
        issues.push(`Berkeley DB: ${where} is a duplicate set, which rpm databases do not use; skipped`);
      } else {
        issues.push(`Berkeley DB: ${where} has unknown type ${type ?? "?"}; skipped`);
      }
    }
  }
}

/** Reads overflow page chains, each page at most once, so a hostile file cannot multiply its size. */
class OverflowReader {
  private readonly used: Uint8Array;
  private readonly content: Buffer;
  private readonly pageSize: number;
  private readonly pageCount: number;
  private readonly u16: U16;
  private readonly u32: U32;

  constructor(content: Buffer, pageSize: number, pageCount: number, u16: U16, u32: U32) {
    this.content = content;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.u16 = u16;
    this.u32 = u32;
    this.used = new Uint8Array(pageCount);
  }

  read(first: number, length: number, where: string, issues: string[]): Buffer | undefined {
    const room = this.pageSize - pageHeaderSize;
    if (length === 0 || length > (this.pageCount - 1) * room) {
      issues.push(`Berkeley DB: ${where} claims a value of ${length} bytes, which the file cannot hold; skipped`);
      return undefined;
    }
    const value = Buffer.allocUnsafe(length);
    let filled = 0;
    let pgno = first;
    while (filled < length) {
      if (pgno === 0 || pgno >= this.pageCount) {
        const problem = pgno === 0 ? "ends early" : `points to page ${pgno}, past the end of the file`;
        issues.push(`Berkeley DB: ${where}: overflow chain ${problem} (${filled} of ${length} bytes); skipped`);
        return undefined;
      }
      if (this.used[pgno] === 1) {
        issues.push(`Berkeley DB: ${where}: overflow page ${pgno} is already in use; skipped`);
        return undefined;
      }
      this.used[pgno] = 1;
      const page = pgno * this.pageSize;
      if (this.content[page + 25] !== pageType.overflow) {
        issues.push(`Berkeley DB: ${where}: page ${pgno} of its overflow chain is not an overflow page; skipped`);
        return undefined;
      }
      const used = this.u16(page + 22);
      if (used === 0 || used > room || used > length - filled) {
        issues.push(`Berkeley DB: ${where}: overflow page ${pgno} holds an impossible ${used} bytes; skipped`);
        return undefined;
      }
      this.content.copy(value, filled, page + pageHeaderSize, page + pageHeaderSize + used);
      filled += used;
      pgno = this.u32(page + 16);
    }
    return value;
  }
}
