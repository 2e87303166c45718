/** ELF, PE ("MZ") and Mach-O (thin and fat, both byte orders) headers. */
export function isExecutableFormat(head: Buffer): boolean {
  if (head.length < 4) return false;
  const word = head.readUInt32BE(0);
  return (
    word === 0x7f454c46 || // \x7fELF
    head.readUInt16BE(0) === 0x4d5a || // MZ
    word === 0xfeedface ||
    word === 0xfeedfacf ||
    word === 0xcefaedfe ||
    word === 0xcffaedfe ||
    word === 0xcafebabe // fat Mach-O (also Java class files: the cataloger tells them apart)
  );
}

export function hasExecutableBit(mode: number): boolean {
  return (mode & 0o111) !== 0;
}
