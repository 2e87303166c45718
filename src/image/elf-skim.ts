/**
 * Most executables in an image are not what the executable catalogers look for (a Go binary's
 * .go.buildinfo, a cargo-auditable .dep-v0), and they decide that from the ELF section table alone. For
 * such a file, only the ELF header, the program and section header tables and the section-name table are
 * read, into a zero-filled buffer of the file's full length (whose untouched pages take no memory); the
 * catalogers then see at every offset they read what the whole file holds there. Whenever the table names
 * a wanted section, or cannot be read plainly, the whole file is read instead.
 */

/** Copies `target.length` bytes of the file, from offset `at` within it, into `target`. */
export type ReadAt = (target: Buffer, at: number) => void;

const elfMagic = 0x7f454c46;
const shtNobits = 8;
const maxSections = 65_536;
const maxNameTableBytes = 4 * 1024 * 1024;
/** Smaller files are cheaper to read whole than to skim. */
export const minSkimBytes = 1024 * 1024;

/**
 * The file's bytes: whole, or skimmed as described above when `wantedSections` are all the sections the
 * interested catalogers read.
 */
export function readExecutable(
  length: number,
  wantedSections: readonly string[],
  read: ReadAt,
  allocate: (length: number) => Buffer = (bytes) => Buffer.allocUnsafe(bytes),
): Buffer {
  if (length >= minSkimBytes) {
    const skimmed = zeroedBuffer(length);
    if (skim(skimmed, wantedSections, read)) return skimmed;
  }
  const content = allocate(length);
  read(content, 0);
  return content;
}

const wasmPage = 64 * 1024;

type MemoryConstructor = new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };

/** Node's global WebAssembly.Memory (es2023 typings, without the DOM's, do not declare it). */
function memoryConstructor(): MemoryConstructor | undefined {
  const wasm: unknown = Reflect.get(globalThis, "WebAssembly");
  const memory: unknown = typeof wasm === "object" && wasm !== null ? Reflect.get(wasm, "Memory") : undefined;
  return isMemoryConstructor(memory) ? memory : undefined;
}

function isMemoryConstructor(value: unknown): value is MemoryConstructor {
  return typeof value === "function" && value.name === "Memory";
}

/**
 * Zeros whose untouched pages cost neither time nor memory. Buffer.alloc takes large blocks from the malloc
 * heap once freed blocks are reused, and must then clear every page; a WebAssembly memory is always mapped
 * fresh from the kernel.
 */
function zeroedBuffer(length: number): Buffer {
  const Memory = memoryConstructor();
  try {
    const pages = Math.ceil(length / wasmPage);
    if (Memory) return Buffer.from(new Memory({ initial: pages, maximum: pages }).buffer, 0, length);
  } catch {
    // No address space for another memory: fall back to the heap.
  }
  return Buffer.alloc(length);
}

function skim(content: Buffer, wanted: readonly string[], read: ReadAt): boolean {
  const region = (offset: number, size: number): boolean => {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) return false;
    if (offset + size > content.length) return false;
    read(content.subarray(offset, offset + size), offset);
    return true;
  };
  if (!region(0, 64) || content.readUInt32BE(0) !== elfMagic) return false;
  const wide = content[4] === 2;
  if (content[4] !== 1 && !wide) return false;
  if (content[5] !== 1 && content[5] !== 2) return false;
  const le = content[5] === 1;
  const u16 = (at: number): number => (le ? content.readUInt16LE(at) : content.readUInt16BE(at));
  const u32 = (at: number): number => (le ? content.readUInt32LE(at) : content.readUInt32BE(at));
  const word = (at: number): number =>
    wide ? Number(le ? content.readBigUInt64LE(at) : content.readBigUInt64BE(at)) : u32(at);

  const phoff = word(wide ? 0x20 : 0x1c);
  const shoff = word(wide ? 0x28 : 0x20);
  const phentsize = u16(wide ? 0x36 : 0x2a);
  const phnum = u16(wide ? 0x38 : 0x2c);
  const shentsize = u16(wide ? 0x3a : 0x2e);
  const shnum = u16(wide ? 0x3c : 0x30);
  const shstrndx = u16(wide ? 0x3e : 0x32);
  // No section table, extended numbering or a damaged table: the catalogers search further, so read it all.
  if (shoff === 0 || shnum === 0 || shnum > maxSections || shstrndx >= shnum) return false;
  if (shentsize < (wide ? 64 : 40)) return false;
  if (!region(phoff, phnum * phentsize) || !region(shoff, shnum * shentsize)) return false;

  const section = (index: number): { name: number; type: number; offset: number; size: number } => {
    const at = shoff + index * shentsize;
    return {
      name: u32(at),
      type: u32(at + 4),
      offset: wide ? word(at + 0x18) : u32(at + 0x10),
      size: wide ? word(at + 0x20) : u32(at + 0x14),
    };
  };
  const names = section(shstrndx);
  if (names.type === shtNobits || names.size > maxNameTableBytes || !region(names.offset, names.size)) return false;
  const table = content.subarray(names.offset, names.offset + names.size);
  for (let i = 0; i < shnum; i++) {
    const { name } = section(i);
    if (name >= table.length) continue;
    const end = table.indexOf(0, name);
    const text = table.toString("latin1", name, end === -1 ? table.length : end);
    if (wanted.some((sectionName) => text.startsWith(sectionName))) return false;
  }
  return true;
}
