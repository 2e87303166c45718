// The values of an rpm "ndb" package database (Packages.db, SUSE since SLE 15 SP3 / openSUSE).
// All numbers are little-endian.
//   header (32 bytes): magic "RpmP", format version u32 (0), generation u32, slot page count u32, ...
//   slots: from byte 32 to the end of the slot pages (4096 bytes each), 16 bytes per slot:
//     magic "Slot", package index u32 (0: free), block offset u32, block count u32 (blocks of 16 bytes)
//   blob at block offset * 16: magic "BlbS", package index u32, generation u32, length u32, then the
//     RPM header image, then a tail (checksum, length, magic "BlbE") at the end of its blocks.
// Slots are read in order, as the peers do; the tail's Adler-32 checksum is not verified.

const headerMagic = Buffer.from("RpmP", "latin1");
const slotMagic = 0x746f6c53; // "Slot"
const blobMagic = 0x53626c42; // "BlbS"
const slotPageSize = 4096;
const slotSize = 16;
const blockSize = 16;
const blobHeadSize = 16;
const blobTailSize = 12;
/** Problems listed per file before the rest are only counted. */
const maxListedProblems = 20;

export function isNdb(content: Buffer): boolean {
  return content.length >= 4 && content.subarray(0, 4).equals(headerMagic);
}

/**
 * Yields the header image of each used slot. Bad slots and blobs (wrong magic, pointing past the end
 * of the file) are pushed to `issues` and skipped; the other packages are still yielded.
 */
export function* ndbValues(content: Buffer, issues: string[]): Generator<Buffer> {
  if (content.length < 32) {
    issues.push(`ndb: file of ${content.length} bytes is shorter than its header`);
    return;
  }
  const version = content.readUInt32LE(4);
  if (version !== 0) {
    issues.push(`ndb: unsupported format version ${version}`);
    return;
  }
  const slotPages = content.readUInt32LE(12);
  if (slotPages === 0) {
    issues.push("ndb: the header counts no slot pages");
    return;
  }
  let slotsEnd = slotPages * slotPageSize;
  if (slotsEnd > content.length) {
    issues.push(`ndb: truncated: ${slotPages} slot pages need ${slotsEnd} bytes, the file has ${content.length}`);
    slotsEnd = content.length - (content.length % slotSize);
  }

  let problems = 0;
  const problem = (message: string): void => {
    problems++;
    if (problems <= maxListedProblems) issues.push(`ndb: ${message}`);
  };
  // The first two slots' worth of bytes are the file header.
  for (let at = 2 * slotSize; at + slotSize <= slotsEnd; at += slotSize) {
    if (content.readUInt32LE(at) !== slotMagic) {
      problem(`slot at byte ${at} has a bad magic; skipped`);
      continue;
    }
    const pkgIndex = content.readUInt32LE(at + 4);
    if (pkgIndex === 0) continue;
    const blobStart = content.readUInt32LE(at + 8) * blockSize;
    const blobRoom = content.readUInt32LE(at + 12) * blockSize;
    const where = `package ${pkgIndex}`;
    if (blobRoom < blobHeadSize + blobTailSize || blobStart + blobRoom > content.length) {
      problem(`${where}: its blocks (${blobRoom} bytes at ${blobStart}) lie outside the file; skipped`);
      continue;
    }
    if (blobStart < slotsEnd) {
      problem(`${where}: its blocks overlap the slot pages; skipped`);
      continue;
    }
    if (content.readUInt32LE(blobStart) !== blobMagic || content.readUInt32LE(blobStart + 4) !== pkgIndex) {
      problem(`${where}: no blob for it at byte ${blobStart}; skipped`);
      continue;
    }
    const length = content.readUInt32LE(blobStart + 12);
    if (length > blobRoom - blobHeadSize - blobTailSize) {
      problem(`${where}: blob of ${length} bytes is larger than its ${blobRoom}-byte blocks; skipped`);
      continue;
    }
    yield content.subarray(blobStart + blobHeadSize, blobStart + blobHeadSize + length);
  }
  if (problems > maxListedProblems) issues.push(`ndb: ${problems - maxListedProblems} more bad slots or blobs`);
}
