/**
 * The in-place walk must yield exactly what the streaming walk yields on the same bytes: every field of
 * LayerChanges, issues and their wording included, for well-formed, unusual and damaged layers.
 */
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { block, paxEntry, type RawEntry, rawTar, tarHeader } from "../../test/hostile/hostile-image.ts";
import { sha256Digest, tarOf } from "../../test/image-builder/index.ts";
import { type FileRange, fileRangeOf } from "./file-range.ts";
import { InterestMatcher } from "./interest.ts";
import type { LayerChanges } from "./layer-changes.ts";
import { RangeDigester } from "./range-digest.ts";
import { walkTarLayer } from "./walk-tar.ts";
import { type TarFileWalkOptions, walkTarFile } from "./walk-tar-file.ts";

const matcher = new InterestMatcher<string>([
  { owner: "db", interest: { paths: ["/var/lib/db", "/var/lib/linked"], globs: ["/**/big.bin"], maxBytes: 100 } },
  { owner: "json", interest: { globs: ["/**/*.json"] } },
  { owner: "exe", interest: { executables: true } },
]);

const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(600, 7)]);
const longDir = `opt/${"deep/".repeat(30)}`;

let work = "";
const digester = new RangeDigester();

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-walk-tar-file-"));
});

after(async () => {
  await digester.close();
  await rm(work, { recursive: true, force: true });
});

/** A header in the GNU format ("ustar  \0" magic), which has no prefix field. */
function gnuHeader(entry: RawEntry, bodyLength: number): Buffer {
  const header = tarHeader(entry, bodyLength);
  header.write("ustar  \0", 257, "latin1");
  return withChecksum(header);
}

function withChecksum(header: Buffer): Buffer {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return header;
}

function padded(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.alloc((block - (body.length % block)) % block)]);
}

function gnuEntry(entry: RawEntry): Buffer {
  const body = typeof entry.body === "string" ? Buffer.from(entry.body) : (entry.body ?? Buffer.alloc(0));
  return Buffer.concat([gnuHeader(entry, body.length), padded(body)]);
}

/** A small file whose size field is GNU base-256. */
function base256Entry(name: string, body: string): Buffer {
  const header = tarHeader({ name, body }, body.length);
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header.writeUInt32BE(body.length, 132);
  return Buffer.concat([withChecksum(header), padded(Buffer.from(body))]);
}

const end = Buffer.alloc(2 * block);

async function layers(): Promise<Record<string, Buffer>> {
  const mixed = await tarOf({
    "var/lib/db": "a=1\n",
    "var/lib/linked": { hardlink: "var/lib/db" },
    "var/lib/ignored": "x",
    "usr/big.bin": Buffer.alloc(1000),
    "etc/.wh.removed": "",
    "opt/dir/.wh..wh..opq": "",
    lib: { symlink: "usr/lib" },
    "../escape": "nope",
    [`${longDir}package.json`]: '{"name":"deep"}',
    [`${longDir}link`]: { symlink: `../${"x".repeat(200)}` },
    "usr/bin/tool": { content: elf, mode: 0o755 },
    "usr/bin/script": { content: "#!/bin/sh\necho hello\n", mode: 0o755 },
    "usr/bin/tiny": { content: Buffer.from([0x7f, 0x45]), mode: 0o755 },
    "etc/config.json": { content: elf, mode: 0o755 },
    "etc/other/x.json": { hardlink: "var/lib/ignored" },
  });
  const gnu = Buffer.concat([
    gnuEntry({ name: "././@LongLink", type: "L", body: `${longDir}gnu.json\0` }),
    gnuEntry({ name: "short-name-replaced", body: '{"gnu":true}' }),
    gnuEntry({ name: "././@LongLink", type: "K", body: `/${"t".repeat(150)}\0` }),
    gnuEntry({ name: "usr/lib/long-target", type: "2", linkname: "ignored" }),
    gnuEntry({ name: "var/lib/db", body: "from gnu\n" }),
    end,
  ]);
  const pax = rawTar([
    { name: "PaxGlobal", type: "g", body: paxRecords({ comment: "global" }) },
    { name: "plain.json", body: "{}" },
    paxEntry({ path: `${longDir}pax.json`, "SCHILY.xattr.user.x": "y" }),
    { name: "short.json", body: '{"pax":1}' },
    paxEntry({ size: "4" }),
    { name: "var/lib/db", size: 9999, body: "pax!" },
    paxEntry({ linkpath: "var/lib/db" }),
    { name: "var/lib/linked", type: "1", linkname: "nothing" },
  ]);
  // tar-stream applies a global header's records only through a later per-entry pax header.
  const paxGlobalPath = rawTar([
    { name: "PaxGlobal", type: "g", body: paxRecords({ path: "global/renamed.json" }) },
    { name: "alone.json", body: "{}" },
    paxEntry({ comment: "local" }),
    { name: "local.json", body: "[]" },
  ]);
  const types = rawTar([
    { name: "var/lib/db", type: "S", body: "sparse\n" },
    { name: "a/contiguous.json", type: "7", body: "[1]" },
    { name: "a/fifo.json", type: "6" },
    { name: "a/char.json", type: "3" },
    { name: "a/block.json", type: "4" },
    { name: "a/odd.json", type: "Z", body: '"unknown flag"' },
    { name: "a/trailing.json/", type: "\0", body: '"slash"' },
    { name: "a/symlink-with-data", type: "2", linkname: "x", body: "data after a symlink" },
  ]);
  // tar-stream reads no data for a directory, whatever its size says: the next block is read as a header.
  const directoryData = Buffer.concat([
    tarHeader({ name: "dir/", type: "5", size: block }, block),
    tarHeader({ name: "inside/dir.json", body: "{}" }, 2),
    padded(Buffer.from("{}")),
    end,
  ]);
  const zeroBlocksBetween = Buffer.concat([
    rawTar([{ name: "first.json", body: "1" }]),
    rawTar([{ name: "after-zeros.json", body: "2" }], { end: false }),
  ]);
  const base256 = Buffer.concat([base256Entry("b256.json", '{"b":256}'), end]);
  const longName = rawTar([{ name: "ok.json", body: "{}" }]);
  const tooLong = Buffer.concat([
    paxEntryBytes({ path: `${"n/".repeat(2100)}x.json` }),
    rawTar([
      { name: "placeholder", body: "{}" },
      { name: "after.json", body: "[]" },
    ]),
  ]);
  const badChecksum = rawTar([
    { name: "before.json", body: "{}" },
    { name: "broken.json", body: "{}" },
  ]);
  badChecksum[2 * block + 148] = 0x31;
  const v7 = rawTar([{ name: "v7.json", body: "{}" }]);
  v7.fill(0, 257, 265);
  withChecksum(v7.subarray(0, block));

  const octal12 = (value: number): Buffer => Buffer.from(`${value.toString(8).padStart(11, "0")}\0`, "latin1");
  // Sparse files: the in-place walk hands such layers to the streaming walk.
  const gnuSparse = Buffer.concat([
    rawTar([{ name: "before.json", body: "{}" }], { end: false }),
    gnuHeader(
      {
        name: "var/lib/db",
        type: "S",
        tail: [
          { offset: 386, bytes: Buffer.concat([octal12(0), octal12(4), octal12(8), octal12(3)]) },
          { offset: 483, bytes: octal12(11) },
        ],
      },
      7,
    ),
    padded(Buffer.from("a=1\nxyz")),
    rawTar([{ name: "after.json", body: "[]" }]),
  ]);
  const paxSparse = rawTar([
    paxEntry({ "GNU.sparse.map": "0,4,8,3", "GNU.sparse.realsize": "11", "GNU.sparse.name": "var/lib/db" }),
    { name: "GNUSparseFile.0/db", body: "a=1\nxyz" },
    { name: "after.json", body: "[]" },
  ]);
  const cutBase = rawTar([
    { name: "var/lib/db", body: "a=1\n" },
    { name: "opt/data.json", body: Buffer.alloc(3000, 0x41) },
    { name: "opt/skipped.bin", body: Buffer.alloc(3000, 0x42) },
    { name: "etc/last.json", body: "{}" },
  ]);
  return {
    mixed,
    gnu,
    pax,
    paxGlobalPath,
    gnuSparse,
    paxSparse,
    types,
    directoryData,
    zeroBlocksBetween,
    base256,
    noEndMarker: longName.subarray(0, longName.length - 2 * block),
    tooLong,
    badChecksum,
    v7,
    trailingPartialBlock: Buffer.concat([longName, Buffer.alloc(100)]),
    cutInHeader: cutBase.subarray(0, 2 * block + 200),
    cutInWantedData: cutBase.subarray(0, 3 * block + 1000),
    cutInSkippedData: cutBase.subarray(0, 3 * block + 6 * block + block + 1000),
    cutInPadding: cutBase.subarray(0, 2 * block - 100),
    empty: Buffer.alloc(0),
    onlyZeros: Buffer.alloc(10 * block),
  };
}

function paxRecords(records: Record<string, string>): string {
  const entry = paxEntry(records);
  return typeof entry.body === "string" ? entry.body : "";
}

function paxEntryBytes(records: Record<string, string>): Buffer {
  return rawTar([paxEntry(records)], { end: false });
}

/** LayerChanges as plain data, so deepEqual compares contents and order. */
function plain(changes: LayerChanges): unknown {
  return {
    ...changes,
    files: [...changes.files].map(([path, content]) => [path, content.toString("base64")]),
    parsed: [...changes.parsed],
    symlinks: [...changes.symlinks],
  };
}

/** The in-place walk's changes with its digest verdict folded in, as the streaming walk reports it. */
async function walkInFile<T>(range: FileRange, options: TarFileWalkOptions<T>): Promise<LayerChanges> {
  const { changes, verdict } = await walkTarFile(range, options);
  const problem = await verdict;
  if (problem) changes.issues.push(problem);
  return changes;
}

let written = 0;

/** The tar inside a larger file (other bytes on both sides), as a layer inside a docker save tarball. */
async function inFile(tar: Buffer): Promise<FileRange> {
  const path = join(work, `layer-${written++}.bin`);
  const before = Buffer.alloc(1536, 0x5a);
  await writeFile(path, Buffer.concat([before, tar, Buffer.alloc(700, 0x5a)]));
  return { path, start: before.length, end: before.length + tar.length };
}

test("the in-place walk yields what the streaming walk yields, layer by layer", async () => {
  for (const [name, tar] of Object.entries(await layers())) {
    const range = await inFile(tar);
    const options = { matcher, maxFileBytes: 1 << 20 };
    const streamed = await walkTarLayer(Readable.from([tar]), options);
    const inPlace = await walkInFile(range, { ...options, digester });
    assert.deepEqual(plain(inPlace), plain(streamed), name);
  }
});

test("the walks agree on what the layers hold, too: spot checks of the cases", async () => {
  const all = await layers();
  const walk = async (name: string) => {
    const tar = all[name];
    assert.ok(tar);
    return walkInFile(await inFile(tar), { matcher, maxFileBytes: 1 << 20, digester });
  };
  const gnu = await walk("gnu");
  assert.equal(gnu.files.get(`/${longDir}gnu.json`)?.toString(), '{"gnu":true}');
  assert.equal(gnu.symlinks.get("/usr/lib/long-target"), `/${"t".repeat(150)}`);
  const pax = await walk("pax");
  assert.ok(pax.files.has(`/${longDir}pax.json`));
  assert.equal(pax.files.get("/var/lib/db")?.toString(), "pax!", "a pax size record wins over the header's");
  assert.ok(pax.files.has("/plain.json"));
  const global = await walk("paxGlobalPath");
  assert.deepEqual([...global.files.keys()], ["/alone.json", "/global/renamed.json"]);
  const mixed = await walk("mixed");
  assert.deepEqual(mixed.files.get("/usr/bin/tool"), elf);
  assert.ok(!mixed.files.has("/usr/bin/script"), "an executable bit alone keeps nothing");
  assert.equal((await walk("base256")).files.get("/b256.json")?.toString(), '{"b":256}');
  assert.ok((await walk("directoryData")).files.has("/inside/dir.json"));
  assert.ok((await walk("zeroBlocksBetween")).files.has("/after-zeros.json"));
  for (const damaged of [
    "cutInHeader",
    "cutInWantedData",
    "cutInSkippedData",
    "cutInPadding",
    "trailingPartialBlock",
  ]) {
    const changes = await walk(damaged);
    assert.equal(changes.complete, false, damaged);
    assert.match(changes.issues.at(-1)?.message ?? "", /could not be read to the end .*truncated/, damaged);
  }
  const cut = await walk("cutInWantedData");
  assert.equal(cut.files.get("/var/lib/db")?.toString(), "a=1\n", "what came before the cut is kept");
  assert.match((await walk("badChecksum")).issues.at(-1)?.message ?? "", /corrupt \(Invalid tar header/);
  assert.match((await walk("v7")).issues.at(-1)?.message ?? "", /unknown format/);
});

test("the blob is checked against its digest beside the walk, with the streaming walk's words", async () => {
  const tar = (await layers())["mixed"];
  assert.ok(tar);
  const range = await inFile(tar);
  const options = { matcher, maxFileBytes: 1 << 20 };
  const good = await walkInFile(range, { ...options, digester, expectedDigest: sha256Digest(tar) });
  assert.deepEqual(good.issues, (await walkTarLayer(Readable.from([tar]), options)).issues);
  const wrong = `sha256:${"0".repeat(64)}`;
  const streamed = await walkTarLayer(Readable.from([tar]), { ...options, expectedDigest: wrong });
  const inPlace = await walkInFile(range, { ...options, expectedDigest: wrong });
  assert.deepEqual(plain(inPlace), plain(streamed));
  assert.match(inPlace.issues.at(-1)?.message ?? "", /layer content digest sha256:[0-9a-f]{64} does not match/);
});

test("large contents only eager catalogers read share one buffer; contents the walk keeps are never reused", async () => {
  const big = (byte: number, size: number): Buffer => Buffer.alloc(size, byte);
  const files = {
    "a.jar": big(0x41, 100_000),
    "b.json": big(0x42, 100_000),
    "c.jar": big(0x43, 300_000),
    "d.json": big(0x44, 70_000),
    "e.jar": big(0x45, 90_000),
  };
  const tar = await tarOf(files);
  const seen = new Map<string, string>();
  const onFile = async (path: string, content: Buffer): Promise<boolean> => {
    await Promise.resolve();
    seen.set(path, sha256Digest(content));
    return path.endsWith(".json");
  };
  const jarsAndJson = new InterestMatcher<string>([{ owner: "any", interest: { globs: ["/*.jar", "/*.json"] } }]);
  const changes = await walkInFile(await inFile(tar), { matcher: jarsAndJson, maxFileBytes: 1 << 20, onFile });
  for (const [name, content] of Object.entries(files)) assert.equal(seen.get(`/${name}`), sha256Digest(content), name);
  assert.deepEqual(changes.files.get("/b.json"), files["b.json"]);
  assert.deepEqual(changes.files.get("/d.json"), files["d.json"]);
  assert.equal(changes.files.get("/c.jar")?.length, 0);
});

test("a layer that ends before its range does (the file shrank) is incomplete, not a crash", async () => {
  const tar = rawTar([
    { name: "var/lib/db", body: "a=1\n" },
    { name: "x.json", body: Buffer.alloc(5000) },
  ]);
  const path = join(work, "shrunk.bin");
  await writeFile(path, tar.subarray(0, 3 * block));
  const changes = await walkInFile(
    { path, start: 0, end: tar.length },
    { matcher, maxFileBytes: 1 << 20, digester, expectedDigest: sha256Digest(tar) },
  );
  assert.equal(changes.complete, false);
  assert.equal(changes.files.get("/var/lib/db")?.toString(), "a=1\n");
});

test("progress is reported in stored bytes, ending at the layer's size", async () => {
  const tar = (await layers())["mixed"];
  assert.ok(tar);
  const seen: number[] = [];
  await walkInFile(await inFile(tar), { matcher, maxFileBytes: 1 << 20, onBytes: (bytes) => seen.push(bytes) });
  assert.equal(seen.at(-1), tar.length);
});

test("fileRangeOf: a fresh file read stream names its range; other streams name none", async () => {
  const tar = rawTar([{ name: "a", body: "b" }]);
  const range = await inFile(tar);
  const part = createReadStream(range.path, { start: range.start, end: range.end - 1 });
  assert.deepEqual(await fileRangeOf(part), range);
  part.destroy();
  const whole = createReadStream(range.path);
  assert.deepEqual(await fileRangeOf(whole), { path: range.path, start: 0, end: range.end + 700 });
  whole.destroy();
  assert.equal(await fileRangeOf(Readable.from([tar])), undefined);
});
