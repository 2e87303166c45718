import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { findSection, findSections, readExecutables } from "./executable-sections.ts";
import { buildElf, buildFat, buildMachO, buildPe } from "./synthetic-executables.ts";

const payload = Buffer.from("payload bytes");
const other = { name: ".rodata", data: Buffer.from("other section") };

function images(buffer: Buffer) {
  const result = readExecutables(buffer);
  assert.ok(!(result instanceof Error), result instanceof Error ? result.message : "");
  return result;
}

test("ELF: 64-bit little-endian and 32-bit big-endian", () => {
  for (const [bits, littleEndian] of [
    [64, true],
    [32, false],
    [32, true],
    [64, false],
  ] as const) {
    const elf = buildElf({ bits, littleEndian, sections: [other, { name: ".dep-v0", data: payload }] });
    const [image] = images(elf);
    assert.equal(image?.format, "elf");
    assert.equal(image?.bits, bits);
    assert.equal(image?.littleEndian, littleEndian);
    assert.deepEqual(
      image?.sections.map((s) => s.name),
      ["", ".rodata", ".dep-v0", ".shstrtab"],
    );
    assert.deepEqual(findSection(elf, ".dep-v0"), payload);
    assert.equal(findSection(elf, ".missing"), undefined);
  }
});

test("ELF: a NOBITS section has no bytes in the file", () => {
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".bss", data: Buffer.alloc(0), type: 8 }] });
  assert.deepEqual(findSection(elf, ".bss"), Buffer.alloc(0));
});

test("ELF: without a section table there is nothing to find", () => {
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  elf.writeBigUInt64LE(0n, 0x28);
  assert.deepEqual(readExecutables(elf), [{ format: "elf", bits: 64, littleEndian: true, sections: [] }]);
  assert.equal(findSection(elf, ".dep-v0"), undefined);
});

test("ELF: extended section numbering reads the count from section 0", () => {
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  const tableOffset = Number(elf.readBigUInt64LE(0x28));
  const count = elf.readUInt16LE(0x3c);
  elf.writeUInt16LE(0, 0x3c);
  elf.writeBigUInt64LE(BigInt(count), tableOffset + 0x20);
  assert.deepEqual(findSection(elf, ".dep-v0"), payload);
  // A count no real file has is refused before anything is allocated for it.
  elf.writeBigUInt64LE(1n << 40n, tableOffset + 0x20);
  const result = readExecutables(elf);
  assert.ok(result instanceof Error && /sections \(more than/.test(result.message), inspect(result));
});

test("PE: 64- and 32-bit, short and long (string table) section names", () => {
  for (const bits of [64, 32] as const) {
    const pe = buildPe({
      bits,
      sections: [
        { name: ".dep-v0", data: payload },
        { name: ".a-long-section-name", data: Buffer.from("long") },
      ],
    });
    const [image] = images(pe);
    assert.equal(image?.format, "pe");
    assert.equal(image?.bits, bits);
    assert.deepEqual(
      image?.sections.map((s) => s.name),
      [".dep-v0", ".a-long-section-name"],
    );
    assert.equal(image?.sections[0]?.address, (bits === 64 ? 0x140000000n : 0x400000n) + 0x1000n);
    assert.deepEqual(findSection(pe, ".dep-v0"), payload);
    assert.deepEqual(findSection(pe, ".a-long-section-name"), Buffer.from("long"));
  }
});

test("PE: an MS-DOS program without a PE header is corrupt", () => {
  const dos = Buffer.alloc(128);
  dos.write("MZ");
  dos.writeUInt32LE(64, 0x3c);
  const result = readExecutables(dos);
  assert.ok(result instanceof Error && /no PE signature/.test(result.message));
});

test("Mach-O: 64-bit little-endian and 32-bit big-endian, found by segment and section", () => {
  for (const [bits, littleEndian] of [
    [64, true],
    [32, false],
  ] as const) {
    const macho = buildMachO({
      bits,
      littleEndian,
      sections: [
        { name: "__text", segment: "__TEXT", data: Buffer.from("code") },
        { name: ".dep-v0", segment: "__DATA", data: payload },
        { name: "__bss", segment: "__DATA", data: Buffer.alloc(0), type: 0x1 },
      ],
    });
    const [image] = images(macho);
    assert.equal(image?.format, "macho");
    assert.equal(image?.bits, bits);
    assert.deepEqual(
      image?.sections.map((s) => `${s.segment},${s.name}`),
      ["__TEXT,__text", "__DATA,.dep-v0", "__DATA,__bss"],
    );
    assert.deepEqual(findSection(macho, ".dep-v0", { segment: "__DATA" }), payload);
    assert.deepEqual(findSection(macho, ".dep-v0"), payload);
    assert.equal(findSection(macho, ".dep-v0", { segment: "__TEXT" }), undefined);
    assert.deepEqual(findSection(macho, "__bss"), Buffer.alloc(0));
  }
});

test("Mach-O universal: one image per architecture, section offsets relative to each slice", () => {
  const first = buildMachO({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: Buffer.from("arm") }] });
  const second = buildMachO({
    bits: 64,
    littleEndian: true,
    sections: [{ name: ".dep-v0", data: Buffer.from("x86") }],
  });
  const fat = buildFat([first, second]);
  assert.equal(images(fat).length, 2);
  assert.deepEqual(findSections(fat, ".dep-v0"), [Buffer.from("arm"), Buffer.from("x86")]);
  assert.deepEqual(findSection(fat, ".dep-v0"), Buffer.from("arm"));
});

test("a Java class file (same magic as a universal binary) holds no executable image", () => {
  const classFile = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41, 0, 0, 0, 0]);
  assert.deepEqual(readExecutables(classFile), []);
  assert.equal(findSection(classFile, ".dep-v0"), undefined);
});

test("an unknown format is an error", () => {
  for (const content of [Buffer.from("AAAAAAAA"), Buffer.alloc(0), Buffer.from("MZ")]) {
    const result = readExecutables(content);
    assert.ok(result instanceof Error, `${content.toString("hex")}: ${inspect(result)}`);
  }
  const unknown = readExecutables(Buffer.from("#!/bin/sh\n"));
  assert.ok(unknown instanceof Error && unknown.message === "unrecognized executable format");
});

test("a section lying past the end of the file is an error, not a read", () => {
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  const tableOffset = Number(elf.readBigUInt64LE(0x28));
  const entry = tableOffset + 64; // section 1
  elf.writeBigUInt64LE(BigInt(elf.length - 4), entry + 0x18);
  let result = findSection(elf, ".dep-v0");
  assert.ok(result instanceof Error && /beyond the end of the file/.test(result.message), inspect(result));
  // A size no file has (2^63): refused the same way, with no allocation.
  elf.writeBigUInt64LE(64n, entry + 0x18);
  elf.writeBigUInt64LE(1n << 63n, entry + 0x20);
  result = findSection(elf, ".dep-v0");
  assert.ok(result instanceof Error && /beyond the end of the file/.test(result.message), inspect(result));
  // Other sections are still readable.
  assert.ok(Buffer.isBuffer(findSection(elf, ".shstrtab")));
});

test("absurd header offsets give errors", () => {
  const elf = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  elf.writeBigUInt64LE(0xffff_ffff_ffff_fff0n, 0x28);
  assert.ok(readExecutables(elf) instanceof Error);

  const pe = buildPe({ bits: 64, sections: [{ name: ".dep-v0", data: payload }] });
  pe.writeUInt32LE(0xffff_fff0, 0x3c);
  assert.ok(readExecutables(pe) instanceof Error);

  const macho = buildMachO({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  macho.writeUInt32LE(0xffff_ffff, 16); // ncmds
  assert.ok(readExecutables(macho) instanceof Error);
  const segmentCount = buildMachO({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", data: payload }] });
  segmentCount.writeUInt32LE(0xffff_ffff, 32 + 64); // nsects of the first segment
  assert.ok(readExecutables(segmentCount) instanceof Error);

  const fat = buildFat([macho]);
  fat.writeUInt32BE(0x7fff_ffff, 8 + 8); // the slice's offset
  assert.ok(readExecutables(fat) instanceof Error);
});

test("every truncation of every format gives a result or an error, never an exception", () => {
  const sections = [other, { name: ".dep-v0", data: payload }];
  const files = [
    buildElf({ bits: 64, littleEndian: true, sections }),
    buildElf({ bits: 32, littleEndian: false, sections }),
    buildPe({ bits: 64, sections: [...sections, { name: ".long-section-name", data: payload }] }),
    buildMachO({ bits: 64, littleEndian: true, sections }),
    buildFat([buildMachO({ bits: 32, littleEndian: false, sections })]),
  ];
  for (const file of files) {
    for (let length = 0; length < file.length; length++) {
      const cut = file.subarray(0, length);
      const result = findSection(cut, ".dep-v0");
      assert.ok(result === undefined || result instanceof Error || result.equals(payload));
    }
  }
});

test("random corruption never throws", () => {
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const sections = [other, { name: ".dep-v0", data: payload }];
  const files = [
    buildElf({ bits: 64, littleEndian: true, sections }),
    buildPe({ bits: 32, sections }),
    buildMachO({ bits: 64, littleEndian: true, sections }),
    buildFat([buildMachO({ bits: 64, littleEndian: true, sections })]),
  ];
  for (const file of files) {
    for (let round = 0; round < 2000; round++) {
      const copy = Buffer.from(file);
      for (let flips = 1 + random(4); flips > 0; flips--) copy[random(Math.min(copy.length, 400))] = random(256);
      const result = readExecutables(copy);
      if (!(result instanceof Error)) for (const image of result) assert.ok(image.sections.length <= 65_536);
      findSection(copy, ".dep-v0");
    }
  }
});

const tools = ["cc", "objcopy"].filter((tool) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return true;
  }
});

test("a real ELF built with cc, with a section added by objcopy", {
  skip: tools.length > 0 ? `needs ${tools.join(" and ")} (Debian packages gcc, binutils)` : false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-elf-"));
  try {
    writeFileSync(join(dir, "main.c"), "int main(void) { return 0; }\n");
    writeFileSync(join(dir, "section.bin"), payload);
    execFileSync("cc", ["-o", join(dir, "plain"), join(dir, "main.c")]);
    execFileSync("objcopy", [
      "--add-section",
      `.dep-v0=${join(dir, "section.bin")}`,
      "--set-section-flags",
      ".dep-v0=noload,readonly",
      join(dir, "plain"),
      join(dir, "with-section"),
    ]);
    const plain = readFileSync(join(dir, "plain"));
    assert.equal(findSection(plain, ".dep-v0"), undefined);
    assert.ok(Buffer.isBuffer(findSection(plain, ".text")));
    assert.deepEqual(findSection(readFileSync(join(dir, "with-section")), ".dep-v0"), payload);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
