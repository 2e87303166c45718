import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { parseGoBinary } from "../catalogers/go/parse-go-binary.ts";
import { parseCargoAuditable } from "../catalogers/rust/parse-cargo-auditable.ts";
import { buildElf } from "../catalogers/rust/synthetic-executables.ts";
import { minSkimBytes, readExecutable } from "./elf-skim.ts";

const wanted = [".go.buildinfo", ".dep-v0"];

function reading(file: Buffer): { read: (target: Buffer, at: number) => void; bytesRead: () => number } {
  let total = 0;
  return {
    read: (target, at) => {
      total += file.copy(target, 0, at, at + target.length);
    },
    bytesRead: () => total,
  };
}

/** What both executable catalogers make of the file. */
function parsed(content: Buffer): unknown {
  return { go: parseGoBinary(content), rust: parseCargoAuditable(content) };
}

for (const [bits, littleEndian] of [
  [64, true],
  [32, false],
] as const) {
  test(`an ${bits}-bit ELF naming no wanted section is read as its tables only, and parses the same`, () => {
    const file = buildElf({
      bits,
      littleEndian,
      sections: [
        { name: ".text", data: Buffer.alloc(minSkimBytes, 0x90) },
        { name: ".rodata", data: Buffer.alloc(4096, 0x41) },
      ],
    });
    const source = reading(file);
    const skimmed = readExecutable(file.length, wanted, source.read);
    assert.equal(skimmed.length, file.length);
    assert.ok(source.bytesRead() < 8192, `read ${source.bytesRead()} bytes`);
    assert.deepEqual(skimmed.subarray(0, 16), file.subarray(0, 16));
    assert.ok(
      skimmed.subarray(1000, 2000).every((byte) => byte === 0),
      "unread bytes are zeros",
    );
    assert.deepEqual(parsed(skimmed), parsed(file));
  });
}

test("an ELF with a wanted section, or a section name starting like one, is read whole", () => {
  for (const name of [".go.buildinfo", ".dep-v0", ".dep-v0.extra"]) {
    const file = buildElf({
      bits: 64,
      littleEndian: true,
      sections: [
        { name: ".text", data: Buffer.alloc(minSkimBytes, 0x90) },
        { name, data: Buffer.from("\xff Go buildinf:", "latin1") },
      ],
    });
    const source = reading(file);
    const content = readExecutable(file.length, wanted, source.read);
    assert.deepEqual(content, file, name);
  }
});

test("files too small to skim, damaged tables, and other formats are read whole", () => {
  const small = buildElf({ bits: 64, littleEndian: true, sections: [{ name: ".text", data: Buffer.alloc(100) }] });
  assert.deepEqual(readExecutable(small.length, wanted, reading(small).read), small);

  const damaged = buildElf({
    bits: 64,
    littleEndian: true,
    sections: [{ name: ".text", data: Buffer.alloc(minSkimBytes) }],
  });
  damaged.writeUInt16LE(0xffff, 0x3e); // e_shstrndx past the table
  assert.deepEqual(readExecutable(damaged.length, wanted, reading(damaged).read), damaged);

  const noTable = Buffer.from(damaged);
  noTable.writeBigUInt64LE(0n, 0x28); // e_shoff: stripped of section headers, so the catalogers search the data
  assert.deepEqual(readExecutable(noTable.length, wanted, reading(noTable).read), noTable);

  const pe = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(minSkimBytes, 1)]);
  assert.deepEqual(readExecutable(pe.length, wanted, reading(pe).read), pe);
});

test("a real executable (this node binary) parses the same skimmed as whole", async () => {
  const file = await readFile(process.execPath);
  const source = reading(file);
  const skimmed = readExecutable(file.length, wanted, source.read);
  assert.ok(source.bytesRead() < file.length / 10, `read ${source.bytesRead()} of ${file.length} bytes`);
  assert.deepEqual(parsed(skimmed), parsed(file));
});
