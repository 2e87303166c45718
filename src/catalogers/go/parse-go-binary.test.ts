import { test } from "node:test";
import assert from "node:assert/strict";
import type { GoMetadata, PackageMetadata } from "../../model/package.ts";
import type { CollectedFile, ParseContext } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import { goBinary } from "./index.ts";
import { parseGoBinary, stdlibVersion } from "./parse-go-binary.ts";

// ---- synthetic executables: just the headers the reader looks at, around a build info blob ----

const magic = Buffer.from("\xff Go buildinf:", "latin1");
const sentinelStart = Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex");
const sentinelEnd = Buffer.from("f932433186182072008242104116d8f2", "hex");

/** Module info text framed by cmd/go's 16-byte sentinels. */
function framed(lines: string[]): Buffer {
  return Buffer.concat([sentinelStart, Buffer.from(`${lines.join("\n")}\n`), sentinelEnd]);
}

const helloModinfo = [
  "path\texample.com/hello/cmd/hello",
  "mod\texample.com/hello\t(devel)\t",
  "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
  "dep\tgolang.org/x/text\tv0.3.0",
  "=>\tgithub.com/fork/text\tv0.3.8\th1:abc=",
  "dep\texample.com/local\tv1.0.0",
  "=>\t../local\t(devel)\t",
  'build\t-ldflags="-s -w -X main.version=1.4.2"',
  "build\tCGO_ENABLED=0",
  "build\tGOARCH=amd64",
  "build\tGOOS=linux",
  "build\tvcs.revision=0123456789abcdef0123456789abcdef01234567",
];

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** The Go 1.18+ blob: header with flags 2, then the two strings inline. */
function inlineBlob(goVersion: string, modinfo: Buffer): Buffer {
  const header = Buffer.alloc(32);
  magic.copy(header);
  header[14] = 8;
  header[15] = 2;
  const version = Buffer.from(goVersion);
  return Buffer.concat([header, varint(version.length), version, varint(modinfo.length), modinfo]);
}

/**
 * The blob written before Go 1.18, loaded at `address`: two pointers to Go string headers
 * (data pointer, length), which follow it, then the string bytes.
 */
function pointerBlob(address: number, pointerSize: 4 | 8, le: boolean, goVersion: string, modinfo: Buffer): Buffer {
  const version = Buffer.from(goVersion);
  const headers = 32;
  const strings = headers + 4 * pointerSize;
  const out = Buffer.alloc(strings + version.length + modinfo.length);
  magic.copy(out);
  out[14] = pointerSize;
  out[15] = le ? 0 : 1;
  const put = (at: number, value: number): void => {
    writeWord(out, at, pointerSize, le, value);
  };
  put(16, address + headers);
  put(16 + pointerSize, address + headers + 2 * pointerSize);
  put(headers, address + strings);
  put(headers + pointerSize, version.length);
  put(headers + 2 * pointerSize, address + strings + version.length);
  put(headers + 3 * pointerSize, modinfo.length);
  version.copy(out, strings);
  modinfo.copy(out, strings + version.length);
  return out;
}

function writeWord(buf: Buffer, at: number, size: 2 | 4 | 8, le: boolean, value: number): void {
  if (size === 8) {
    if (le) buf.writeBigUInt64LE(BigInt(value), at);
    else buf.writeBigUInt64BE(BigInt(value), at);
  } else if (size === 4) {
    if (le) buf.writeUInt32LE(value, at);
    else buf.writeUInt32BE(value, at);
  } else if (le) buf.writeUInt16LE(value, at);
  else buf.writeUInt16BE(value, at);
}

interface ElfOptions {
  wordSize?: 4 | 8;
  le?: boolean;
  /** Write section headers naming a .go.buildinfo section over `data` (default true). */
  sections?: boolean;
  /** Where `data` is loaded. */
  address?: number;
}

const elfDataOffset = 0x200;

/** An ELF executable with one read-write PT_LOAD segment holding `data` at `elfDataOffset`. */
function elf(data: Buffer, options: ElfOptions = {}): Buffer {
  const { wordSize = 8, le = true, sections = true, address = 0x500000 } = options;
  const w = wordSize;
  const ehSize = w === 8 ? 64 : 52;
  const phSize = w === 8 ? 56 : 32;
  const shSize = w === 8 ? 64 : 40;
  const names = Buffer.from("\0.go.buildinfo\0.shstrtab\0");
  const namesOffset = elfDataOffset + data.length;
  const shoff = Math.ceil((namesOffset + names.length) / 8) * 8;
  const out = Buffer.alloc(sections ? shoff + 3 * shSize : namesOffset);
  const put = (at: number, size: 2 | 4 | 8, value: number): void => {
    writeWord(out, at, size, le, value);
  };
  out.write("\x7fELF", 0, "latin1");
  out[4] = w === 8 ? 2 : 1;
  out[5] = le ? 1 : 2;
  out[6] = 1;
  put(16, 2, 2); // ET_EXEC
  if (w === 8) {
    put(0x20, 8, ehSize);
    put(0x28, 8, sections ? shoff : 0);
    put(0x34, 2, ehSize);
    put(0x36, 2, phSize);
    put(0x38, 2, 1);
    put(0x3a, 2, shSize);
    put(0x3c, 2, sections ? 3 : 0);
    put(0x3e, 2, sections ? 2 : 0);
    // PT_LOAD, PF_R|PF_W, offset, vaddr, paddr, filesz, memsz.
    put(ehSize, 4, 1);
    put(ehSize + 4, 4, 6);
    put(ehSize + 8, 8, elfDataOffset);
    put(ehSize + 16, 8, address);
    put(ehSize + 24, 8, address);
    put(ehSize + 32, 8, data.length);
    put(ehSize + 40, 8, data.length);
  } else {
    put(0x1c, 4, ehSize);
    put(0x20, 4, sections ? shoff : 0);
    put(0x28, 2, ehSize);
    put(0x2a, 2, phSize);
    put(0x2c, 2, 1);
    put(0x2e, 2, shSize);
    put(0x30, 2, sections ? 3 : 0);
    put(0x32, 2, sections ? 2 : 0);
    // PT_LOAD, offset, vaddr, paddr, filesz, memsz, flags.
    put(ehSize, 4, 1);
    put(ehSize + 4, 4, elfDataOffset);
    put(ehSize + 8, 4, address);
    put(ehSize + 12, 4, address);
    put(ehSize + 16, 4, data.length);
    put(ehSize + 20, 4, data.length);
    put(ehSize + 24, 4, 6);
  }
  data.copy(out, elfDataOffset);
  if (!sections) return out;
  names.copy(out, namesOffset);
  const section = (index: number, name: number, type: number, addr: number, offset: number, size: number) => {
    const at = shoff + index * shSize;
    put(at, 4, name);
    put(at + 4, 4, type);
    put(at + 8 + w, w, addr);
    put(at + 8 + 2 * w, w, offset);
    put(at + 8 + 3 * w, w, size);
  };
  section(1, 1, 1, address, elfDataOffset, data.length); // .go.buildinfo, PROGBITS
  section(2, 15, 3, 0, namesOffset, names.length); // .shstrtab, STRTAB
  return out;
}

const peDataOffset = 0x400;

/** A PE32+ executable: a .text section and a .data section (initialized, read, write) holding `data`. */
function pe(data: Buffer): Buffer {
  const out = Buffer.alloc(peDataOffset + data.length);
  out.write("MZ", 0, "latin1");
  out.writeUInt32LE(0x80, 0x3c);
  out.write("PE\0\0", 0x80, "latin1");
  out.writeUInt16LE(0x8664, 0x84);
  out.writeUInt16LE(2, 0x86);
  out.writeUInt16LE(240, 0x94);
  out.writeUInt16LE(0x20b, 0x98);
  out.writeBigUInt64LE(0x140000000n, 0x98 + 24);
  const table = 0x98 + 240;
  const section = (index: number, name: string, va: number, size: number, offset: number, flags: number) => {
    const at = table + index * 40;
    out.write(name, at, "latin1");
    out.writeUInt32LE(size, at + 8);
    out.writeUInt32LE(va, at + 12);
    out.writeUInt32LE(size, at + 16);
    out.writeUInt32LE(offset, at + 20);
    out.writeUInt32LE(flags >>> 0, at + 36);
  };
  section(0, ".text", 0x1000, 0x10, 0x300, 0x60000020);
  section(1, ".data", 0x2000, data.length, peDataOffset, 0xc0000040);
  data.copy(out, peDataOffset);
  return out;
}

const machoDataOffset = 0x200;

/** A 64-bit Mach-O: __PAGEZERO, then a read-write __DATA segment over `data`, with a __go_buildinfo section unless told otherwise. */
function macho(data: Buffer, options: { section?: boolean; address?: number } = {}): Buffer {
  const { section = true, address = 0x100004000 } = options;
  const out = Buffer.alloc(machoDataOffset + data.length);
  out.writeUInt32LE(0xfeedfacf, 0);
  out.writeUInt32LE(0x01000007, 4);
  out.writeUInt32LE(3, 8);
  out.writeUInt32LE(2, 12);
  out.writeUInt32LE(2, 16);
  const segment = (
    at: number,
    name: string,
    vmaddr: number,
    vmsize: number,
    fileoff: number,
    filesize: number,
    prot: number,
    sections: number,
  ) => {
    out.writeUInt32LE(0x19, at);
    out.writeUInt32LE(72 + 80 * sections, at + 4);
    out.write(name, at + 8, "latin1");
    out.writeBigUInt64LE(BigInt(vmaddr), at + 24);
    out.writeBigUInt64LE(BigInt(vmsize), at + 32);
    out.writeBigUInt64LE(BigInt(fileoff), at + 40);
    out.writeBigUInt64LE(BigInt(filesize), at + 48);
    out.writeUInt32LE(prot, at + 56);
    out.writeUInt32LE(prot, at + 60);
    out.writeUInt32LE(sections, at + 64);
    return at + 72 + 80 * sections;
  };
  const next = segment(32, "__PAGEZERO", 0, 0x100000000, 0, 0, 0, 0);
  const end = segment(next, "__DATA", address, data.length, machoDataOffset, data.length, 3, section ? 1 : 0);
  if (section) {
    const at = next + 72;
    out.write("__go_buildinfo", at, "latin1");
    out.write("__DATA", at + 16, "latin1");
    out.writeBigUInt64LE(BigInt(address), at + 32);
    out.writeBigUInt64LE(BigInt(data.length), at + 40);
    out.writeUInt32LE(machoDataOffset, at + 48);
  }
  out.writeUInt32LE(end - 32, 20);
  data.copy(out, machoDataOffset);
  return out;
}

/** A universal binary of the given thin Mach-O images, each at a 4 KiB boundary. */
function fat(images: Buffer[]): Buffer {
  const header = Buffer.alloc(0x1000);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(images.length, 4);
  const parts: Buffer[] = [header];
  let offset = header.length;
  images.forEach((image, i) => {
    const at = 8 + i * 20;
    header.writeUInt32BE(i === 0 ? 0x01000007 : 0x0100000c, at);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(image.length, at + 12);
    header.writeUInt32BE(12, at + 16);
    const padded = Buffer.alloc(Math.ceil(image.length / 0x1000) * 0x1000);
    image.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

// ---- helpers ----

function go(metadata: PackageMetadata | undefined): GoMetadata {
  assert.ok(metadata?.kind === "go");
  return metadata;
}

function summary(content: Buffer) {
  const { packages, issues } = parseGoBinary(content);
  return { packages: packages.map((p) => `${p.name}@${p.version}`), issues };
}

const helloPackages = [
  "stdlib@v1.22.1",
  "example.com/hello@v1.4.2",
  "github.com/pkg/errors@v0.9.1",
  "github.com/fork/text@v0.3.8",
  "example.com/local@",
];

const helloBlob = inlineBlob("go1.22.1", framed(helloModinfo));

// ---- the packages ----

test("Go 1.18+ build info in an ELF .go.buildinfo section: stdlib, main module, dependencies", () => {
  const { packages, issues } = parseGoBinary(elf(helloBlob));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version, p.purl]),
    [
      ["stdlib", "v1.22.1", "pkg:golang/stdlib@v1.22.1"],
      ["example.com/hello", "v1.4.2", "pkg:golang/example.com/hello@v1.4.2"],
      ["github.com/pkg/errors", "v0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1"],
      ["github.com/fork/text", "v0.3.8", "pkg:golang/github.com/fork/text@v0.3.8"],
      ["example.com/local", "", "pkg:golang/example.com/local"],
    ],
  );
  const [stdlib, main, errors, text, local] = packages.map((p) => go(p.metadata));
  const common = {
    kind: "go",
    goVersion: "go1.22.1",
    goos: "linux",
    goarch: "amd64",
    mainPackage: "example.com/hello/cmd/hello",
    mainModule: "example.com/hello",
  };
  const buildSettings = [
    { key: "-ldflags", value: "-s -w -X main.version=1.4.2" },
    { key: "CGO_ENABLED", value: "0" },
    { key: "GOARCH", value: "amd64" },
    { key: "GOOS", value: "linux" },
    { key: "vcs.revision", value: "0123456789abcdef0123456789abcdef01234567" },
  ];
  assert.deepEqual(stdlib, { ...common, role: "stdlib", buildSettings });
  assert.deepEqual(main, { ...common, role: "main", versionSource: "ldflags", buildSettings });
  assert.deepEqual(errors, {
    ...common,
    role: "dependency",
    h1Digest: "h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
  });
  assert.deepEqual(text, {
    ...common,
    role: "dependency",
    h1Digest: "h1:abc=",
    replaces: { path: "golang.org/x/text", version: "v0.3.0" },
  });
  assert.deepEqual(local, { ...common, role: "dependency", replacedByDirectory: "../local" });
});

test("the same build info through every container: ELF-32/64 both byte orders, no section headers, PE, Mach-O, fat", () => {
  const padded = Buffer.concat([Buffer.alloc(48), helloBlob]);
  // A magic string off the 16-byte grid is not the header.
  magic.copy(padded, 3);
  const cases: [string, Buffer][] = [
    ["ELF-64 LE", elf(helloBlob)],
    ["ELF-64 BE", elf(helloBlob, { le: false })],
    ["ELF-32 LE", elf(helloBlob, { wordSize: 4 })],
    ["ELF-32 BE", elf(helloBlob, { wordSize: 4, le: false })],
    ["ELF without section headers", elf(padded, { sections: false })],
    ["PE32+", pe(padded)],
    ["Mach-O", macho(helloBlob)],
    ["Mach-O without the section", macho(padded, { section: false })],
    ["fat Mach-O", fat([macho(helloBlob), macho(padded, { section: false })])],
  ];
  for (const [what, content] of cases) {
    assert.deepEqual(summary(content), { packages: helloPackages, issues: [] }, what);
  }
});

test("pre-1.18 pointer format: 8- and 4-byte pointers, both byte orders, followed through the loaded segments", () => {
  const modinfo = framed([
    "path\texample.com/old",
    "mod\texample.com/old\tv0.1.0\th1:x=",
    "dep\tgolang.org/x/sys\tv0.0.1\th1:y=",
  ]);
  const expected = { packages: ["stdlib@v1.15.2", "example.com/old@v0.1.0", "golang.org/x/sys@v0.0.1"], issues: [] };
  const address = 0x5aed00;
  assert.deepEqual(summary(elf(pointerBlob(address, 8, true, "go1.15.2", modinfo), { address })), expected);
  assert.deepEqual(
    summary(elf(pointerBlob(address, 4, false, "go1.15.2", modinfo), { address, wordSize: 4, le: false })),
    expected,
  );
  assert.deepEqual(summary(pe(pointerBlob(0x140002000, 8, true, "go1.15.2", modinfo))), expected);
  assert.deepEqual(summary(macho(pointerBlob(0x100004000, 8, true, "go1.15.2", modinfo))), expected);
});

test("a binary built outside a module: stdlib only; GOEXPERIMENT from the version string", () => {
  const { packages, issues } = parseGoBinary(elf(inlineBlob("go1.21.0 X:loopvar,rangefunc", Buffer.alloc(0))));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => `${p.name}@${p.version}`),
    ["stdlib@v1.21.0"],
  );
  assert.deepEqual(go(packages[0]?.metadata), {
    kind: "go",
    goVersion: "go1.21.0 X:loopvar,rangefunc",
    experiments: ["loopvar", "rangefunc"],
    role: "stdlib",
  });
});

test("main module: a module version wins over -ldflags; neither gives an empty version", () => {
  const semver = framed([
    "path\tgo.etcd.io/bbolt/cmd/bbolt",
    "mod\tgo.etcd.io/bbolt\tv1.3.5\th1:z=",
    'build\t-ldflags="-X main.version=v9.9.9"',
  ]);
  const installed = parseGoBinary(elf(inlineBlob("go1.20.6", semver))).packages[1];
  assert.equal(installed?.version, "v1.3.5");
  assert.equal(go(installed?.metadata).versionSource, "module");
  assert.equal(go(installed?.metadata).h1Digest, "h1:z=");

  const devel = framed([
    "path\texample.com/app",
    "mod\texample.com/app\t(devel)\t",
    "build\tvcs.revision=abc",
    "build\tvcs.time=2024-04-26T06:00:20Z",
  ]);
  const unknown = parseGoBinary(elf(inlineBlob("go1.22.1", devel))).packages[1];
  assert.equal(unknown?.version, "");
  assert.equal(unknown?.purl, "pkg:golang/example.com/app");
  assert.equal(go(unknown?.metadata).versionSource, undefined);
});

test("stdlib versions: Trivy's v-prefixed form; a development toolchain has none", () => {
  assert.equal(stdlibVersion("go1.22.1"), "v1.22.1");
  assert.equal(stdlibVersion("go1.20"), "v1.20");
  assert.equal(stdlibVersion("go1.21rc2"), "v1.21rc2");
  assert.equal(stdlibVersion("go1.22.3 X:boringcrypto"), "v1.22.3");
  assert.equal(stdlibVersion("devel go1.23-1ab2c3d Tue Jan 2 15:04:05 2024 +0000"), "");
});

// ---- what is not a Go binary, and damage ----

test("executables without Go build info give nothing and no issue", () => {
  assert.deepEqual(summary(elf(Buffer.alloc(256, 0x41))), { packages: [], issues: [] });
  assert.deepEqual(summary(elf(Buffer.alloc(256, 0x41), { sections: false })), { packages: [], issues: [] });
  assert.deepEqual(summary(pe(Buffer.alloc(64))), { packages: [], issues: [] });
  assert.deepEqual(summary(macho(Buffer.alloc(64))), { packages: [], issues: [] });
  // A Java class file shares the fat Mach-O magic; its version reads as 52 architectures.
  assert.deepEqual(summary(Buffer.from("cafebabe00000034001d0a0006000f09", "hex")), { packages: [], issues: [] });
});

test("an ELF whose section headers name no .go.buildinfo is not searched (Go 1.13+ always writes the section)", () => {
  const content = elf(helloBlob);
  const name = content.indexOf(".go.buildinfo", elfDataOffset + helloBlob.length);
  content.write("X", name + 1, "latin1");
  assert.deepEqual(summary(content), { packages: [], issues: [] });
});

test("files that are no executable give an issue", () => {
  assert.match(summary(Buffer.from("AAAAAAAAAAAAAAAAAAAAAAAAAAAA")).issues.join(), /unrecognized executable format/);
  assert.match(summary(Buffer.alloc(0)).issues.join(), /unrecognized executable format/);
});

test("a truncated ELF: an issue, no throw", () => {
  const whole = elf(helloBlob);
  assert.match(summary(whole.subarray(0, 40)).issues.join(), /truncated ELF header/);
  // Cut inside the data: the headers point past the end, the build info is gone.
  const cut = summary(whole.subarray(0, elfDataOffset + 20));
  assert.deepEqual(cut.packages, []);
});

test("ELF section headers past the end of the file: the segment search still finds the build info", () => {
  const content = elf(helloBlob);
  content.writeBigUInt64LE(0x7fff_ffff_ffffn, 0x28);
  assert.deepEqual(summary(content), { packages: helloPackages, issues: [] });
  // Without build info, the damage is the issue.
  const plain = elf(Buffer.alloc(256, 0x41));
  plain.writeBigUInt64LE(0x7fff_ffff_ffffn, 0x28);
  assert.deepEqual(summary(plain), { packages: [], issues: ["ELF section headers lie outside the file"] });
});

test("ELF extended section numbering with an absurd count: an issue, nothing allocated", () => {
  const content = elf(Buffer.alloc(256, 0x41));
  const shoff = Number(content.readBigUInt64LE(0x28));
  content.writeUInt16LE(0, 0x3c); // e_shnum 0: the count is section 0's sh_size
  content.writeBigUInt64LE(1n << 40n, shoff + 32);
  assert.deepEqual(summary(content).issues, [`ELF header claims ${2 ** 40} sections; read none`]);
});

test("a .go.buildinfo section whose offset is past the end of the file: an issue", () => {
  const content = elf(Buffer.alloc(256, 0x41));
  const shoff = Number(content.readBigUInt64LE(0x28));
  content.writeBigUInt64LE(0xffff_ffffn, shoff + 64 + 24);
  assert.match(summary(content).issues.join(), /\.go\.buildinfo starts at 4294967295, past the end of the file/);
});

test("PE: a section table past the end, a data section past the end", () => {
  const table = pe(helloBlob);
  table.writeUInt16LE(0xffff, 0x86);
  assert.deepEqual(summary(table), { packages: [], issues: ["PE section table lies outside the file"] });
  const data = pe(helloBlob);
  data.writeUInt32LE(0x7fff_0000, 0x98 + 240 + 40 + 20);
  assert.deepEqual(summary(data), {
    packages: [],
    issues: [`PE section .data starts at 2147418112, past the end of the file (${data.length} bytes)`],
  });
  assert.match(summary(pe(helloBlob).subarray(0, 0x90)).issues.join(), /PE/);
});

test("Mach-O: an absurd load command count or size gives an issue", () => {
  const many = macho(helloBlob);
  many.writeUInt32LE(0xffff_ffff, 16);
  assert.match(summary(many).issues.join(), /claims 4294967295 load commands/);
  const long = macho(Buffer.alloc(64));
  long.writeUInt32LE(0x7fff_ffff, 32 + 4);
  assert.match(summary(long).issues.join(), /load command 0 lies outside the file/);
  const fatPastEnd = fat([macho(helloBlob)]);
  fatPastEnd.writeUInt32BE(0x7fff_ffff, 16);
  assert.match(summary(fatPastEnd).issues.join(), /architecture 0 starts past the end/);
});

test("build info whose strings cannot be read: an issue", () => {
  const huge = Buffer.concat([helloBlob.subarray(0, 32), varint(2 ** 40)]);
  assert.match(summary(elf(huge)).issues.join(), /version is 1099511627776 bytes long/);
  const cut = Buffer.concat([helloBlob.subarray(0, 32), varint(5000), Buffer.from("go1.2")]);
  assert.match(summary(elf(cut, { sections: false })).issues.join(), /version runs past the end of the file/);
  const dangling = pointerBlob(0x5aed00, 8, true, "go1.15.2", framed(["path\tx"]));
  dangling.writeBigUInt64LE(0x1234n, 16);
  assert.match(
    summary(elf(dangling, { address: 0x5aed00 })).issues.join(),
    /string header at 0x1234 is not in the file/,
  );
  const badPointerSize = Buffer.from(helloBlob);
  badPointerSize[15] = 0;
  badPointerSize[14] = 3;
  assert.match(summary(elf(badPointerSize)).issues.join(), /unsupported pointer size 3/);
});

test("damaged module info lines are skipped with an issue; the rest is read", () => {
  const modinfo = framed([
    "path\tx.org/app",
    "mod\tx.org/app\tv1.0.0",
    "dep\tbroken",
    "=>\torphan\tv1\t",
    "dep\ty.org/lib\tv2.0.0\th1:q=",
  ]);
  const { packages, issues } = summary(elf(inlineBlob("go1.22.0", modinfo)));
  assert.deepEqual(packages, ["stdlib@v1.22.0", "x.org/app@v1.0.0", "y.org/lib@v2.0.0"]);
  assert.equal(issues.length, 2);
});

test("hostile bytes: random damage to real layouts never throws", () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const samples = [
    elf(helloBlob),
    elf(helloBlob, { wordSize: 4, le: false }),
    pe(helloBlob),
    macho(helloBlob),
    fat([macho(helloBlob)]),
    elf(pointerBlob(0x5aed00, 8, true, "go1.15.2", framed(helloModinfo)), { address: 0x5aed00 }),
  ];
  for (const sample of samples) {
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(sample.subarray(0, Math.max(1, Math.floor(random() * sample.length * 1.2))));
      for (let n = 0; n < 4; n++)
        damaged[Math.floor(random() * Math.min(damaged.length, 0x300))] = Math.floor(random() * 256);
      const result = parseGoBinary(damaged);
      assert.ok(Array.isArray(result.packages) && Array.isArray(result.issues));
    }
  }
});

test("the cataloger declaration: eager, every executable, up to 512 MiB", async () => {
  assert.equal(goBinary.name, "go-binary");
  assert.equal(goBinary.ecosystem, "golang");
  assert.equal(goBinary.eager, true);
  assert.equal(goBinary.wants.executables, true);
  assert.equal(goBinary.wants.maxBytes, 512 * 1024 * 1024);
  const file: CollectedFile = {
    path: "/usr/local/bin/hello",
    layer: { index: 0, digest: "sha256:x", diffId: "sha256:x" },
    content: elf(helloBlob),
  };
  const ctx: ParseContext = {
    distro: undefined,
    view: { get: () => undefined, list: () => [] },
    limits: defaultLimits,
  };
  const result = await goBinary.parse(file, ctx);
  assert.deepEqual(
    result.packages.map((p) => `${p.name}@${p.version}`),
    helloPackages,
  );
});
