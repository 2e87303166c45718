/**
 * Sparse files as GNU tar writes them: old GNU headers with extension blocks (more than 4 segments)
 * and PAX sparse 0.0, 0.1 and 1.0 (the real name in GNU.sparse.name, the map in records or in the
 * data). A 10 GiB one must never be allocated, every one must keep its real name, and the entries
 * after it must still be read; a small one is read with its holes as zeros.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { Inventory } from "../../src/model/inventory.ts";
import { buildElf } from "../../src/catalogers/rust/synthetic-executables.ts";
import { SparseHeaders } from "../../src/image/walk-tar.ts";
import { goBuildInfo } from "../fuzz/seeds.ts";
import { seededRandom } from "../seeded-random.ts";
import {
  dpkgStatus,
  gnuSparseEntry,
  paxEntry,
  gzipLayers,
  issueText,
  packageNames,
  rawTar,
  scanRaw,
  sha256,
  withPeakRss,
} from "./hostile-image.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";

const run = promisify(execFile);
const GiB = 1024 ** 3;
const hugeSize = 10 * GiB;

const gnuTar = await run("tar", ["--version"]).then(
  ({ stdout }) => stdout.includes("GNU tar"),
  () => false,
);
const skip = gnuTar ? false : "GNU tar (Debian package tar) is not installed";

const formats = [
  { name: "GNU", args: ["--format=gnu"] },
  { name: "PAX 0.0", args: ["--format=posix", "--sparse-version=0.0"] },
  { name: "PAX 0.1", args: ["--format=posix", "--sparse-version=0.1"] },
  { name: "PAX 1.0", args: ["--format=posix", "--sparse-version=1.0"] },
] as const;

let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-hostile-sparse-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Writes the content leaving its 4 KiB-aligned blocks of zeros unwritten: holes, where the file system has them. */
async function writeWithHoles(path: string, content: Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, "w", mode);
  try {
    for (let at = 0; at < content.length; at += 4096) {
      const piece = content.subarray(at, at + 4096);
      if (piece.some((byte) => byte !== 0)) await file.write(piece, 0, piece.length, at);
    }
    await file.truncate(content.length);
  } finally {
    await file.close();
  }
}

/** A dpkg status of 10 GiB: eight short stretches of text, 1 GiB apart, and holes. */
async function writeHugeSparse(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, "w");
  try {
    for (let i = 1; i <= 8; i++) await file.write(Buffer.from(dpkgStatus(`in-hole-${i}`)), 0, undefined, i * GiB);
    await file.truncate(hugeSize);
  } finally {
    await file.close();
  }
}

/** A Go executable whose build info comes after six 20 KiB runs of zeros, each between sections of data. */
function elfWithZeros(): Buffer {
  const sections = [];
  for (let i = 0; i < 6; i++) {
    sections.push(
      { name: `.data${i}`, data: Buffer.alloc(1000, 0x41 + i) },
      { name: `.zero${i}`, data: Buffer.alloc(20_480) },
    );
  }
  sections.push({ name: ".go.buildinfo", data: goBuildInfo() });
  return buildElf({ bits: 64, littleEndian: true, sections });
}

/** GNU tar of `paths` under `dir`, sparse; `raw` finds holes by reading zeros rather than asking the file system. */
async function sparseTar(dir: string, paths: string[], format: readonly string[], raw = false): Promise<Buffer> {
  const out = join(dir, "layer.tar");
  const holes = raw ? ["--hole-detection=raw"] : [];
  await run("tar", ["--sparse", ...holes, ...format, "--owner=0", "--group=0", "-C", dir, "-cf", out, ...paths]);
  return readFile(out);
}

/** True when the archive stores a file in more than four segments, the premise of these tests. */
function hasManySegments(tar: Buffer, format: string): boolean {
  if (format === "GNU") {
    for (let at = 0; at + 512 <= tar.length; at += 512) {
      if (tar[at + 156] === 0x53 && tar[at + 482] === 1) return true;
    }
    return false;
  }
  const text = tar.toString("latin1");
  if (format === "PAX 1.0") return /GNU\.sparse\.major=1/.test(text) && /\n(\d+\n){11}/.test(text);
  if (format === "PAX 0.1") return /GNU\.sparse\.map=(\d+,){9}/.test(text);
  return (text.match(/GNU\.sparse\.offset=/g) ?? []).length > 4;
}

const elf = elfWithZeros();

/**
 * Scans a docker save archive (classic layout) of the layer tars: uncompressed, so their walk begins in
 * place (walk-tar-file.ts), which hands a layer with sparse files to the streaming walk.
 */
async function scanDockerArchive(dir: string, tars: readonly Buffer[]): Promise<Inventory> {
  const config = Buffer.from(
    JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: tars.map(sha256) } }),
  );
  const configName = `${sha256(config).slice("sha256:".length)}.json`;
  const layers = tars.map((_, i) => `l${i}/layer.tar`);
  const archive = join(dir, "docker-save.tar");
  await writeFile(
    archive,
    rawTar([
      { name: "manifest.json", body: JSON.stringify([{ Config: configName, RepoTags: null, Layers: layers }]) },
      { name: configName, body: config },
      ...tars.map((tar, i) => ({ name: layers[i] ?? "", body: tar })),
    ]),
  );
  const source = await openSource(`docker-archive:${archive}`);
  try {
    return await scanImage(source);
  } finally {
    await source.close();
  }
}

for (const { name, args } of formats) {
  for (const compressed of [true, false]) {
    test(`${name} sparse files${compressed ? "" : " (uncompressed layer)"}: 10 GiB is refused unread, the real name is kept, a small one is read whole`, {
      skip,
      timeout: 120_000,
    }, async () => {
      const dir = join(work, `${name.replace(/\W/g, "")}${compressed ? "gz" : ""}`);
      await writeHugeSparse(join(dir, "huge/var/lib/dpkg/status"));
      await writeWithHoles(join(dir, "huge/lib/apk/db/installed"), Buffer.from("P:after-huge\nV:1\n\n"));
      await writeWithHoles(join(dir, "small/usr/local/bin/app"), elf, 0o755);
      await writeWithHoles(
        join(dir, "small/app/node_modules/after-small/package.json"),
        Buffer.from('{"name":"after-small","version":"1.0.0"}'),
      );
      const huge = await sparseTar(join(dir, "huge"), ["var", "lib"], args);
      const small = await sparseTar(join(dir, "small"), ["usr", "app"], args, true);
      assert.ok(hasManySegments(huge, name) && hasManySegments(small, name), "GNU tar wrote more than 4 segments");

      const base = rawTar([{ name: "var/lib/dpkg/status", body: dpkgStatus("base-files") }]);
      const { result: inventory, peakMiB } = await withPeakRss(() =>
        compressed ? scanRaw({ layers: gzipLayers(base, huge, small) }) : scanDockerArchive(dir, [base, huge, small]),
      );
      // base-files is gone: the sparse status of the layer above replaced it, under its real name.
      assert.deepEqual(packageNames(inventory), [
        "after-huge",
        "after-small",
        "example.com/app",
        "golang.org/x/text",
        "stdlib",
      ]);
      assert.deepEqual(locationsOf(inventory, "golang.org/x/text"), ["/usr/local/bin/app"]);
      assert.deepEqual(
        inventory.issues.map((issue) => `${issue.severity} ${issue.path ?? ""} ${issue.message}`),
        [
          `warning /var/lib/dpkg/status file of ${hugeSize} bytes is over the 67108864-byte limit for its catalogers; skipped`,
        ],
        issueText(inventory.issues),
      );
      assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB`);
    });
  }
}

function locationsOf(inventory: Inventory, name: string): string[] {
  return inventory.packages.filter((pkg) => pkg.name === name).flatMap((pkg) => pkg.locations.map((at) => at.path));
}

test("malformed sparse maps cost only their own file, with a warning; the entries after them are read", {
  timeout: 60_000,
}, async () => {
  const manifest = (name: string): string => `app/node_modules/${name}/package.json`;
  const pax01 = (name: string, records: Record<string, string>, body: string) => [
    paxEntry(records),
    { name: manifest(name), body },
  ];
  const manyPairs = Array.from({ length: 70_000 }, (): [number, number] => [0, 0]);
  const tar = rawTar([
    ...pax01("overlap", { "GNU.sparse.map": "0,10,5,10", "GNU.sparse.realsize": "100" }, "x".repeat(20)),
    ...pax01("past-end", { "GNU.sparse.map": "90,20", "GNU.sparse.realsize": "100" }, "x".repeat(20)),
    ...pax01("short", { "GNU.sparse.map": "0,50", "GNU.sparse.realsize": "100" }, "x".repeat(10)),
    ...pax01("odd-map", { "GNU.sparse.map": "1,2,3", "GNU.sparse.realsize": "100" }, "x"),
    ...pax01("no-size", { "GNU.sparse.map": "0,1" }, "x"),
    ...pax01("bad-1.0", { "GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "9" }, "abc\n"),
    ...pax01("too-many", { "GNU.sparse.map": manyPairs.flat().join(","), "GNU.sparse.realsize": "1" }, ""),
    // Old GNU: 4 segments in the header, the other 69996 in 3334 extension blocks.
    gnuSparseEntry(manifest("gnu-too-many"), 2, manyPairs, Buffer.from("{}")),
    { name: manifest("after-bad-maps"), body: '{"name":"after-bad-maps","version":"1.0.0"}' },
  ]);

  const inventory = await scanRaw({ layers: gzipLayers(tar) });
  assert.deepEqual(packageNames(inventory), ["after-bad-maps"], issueText(inventory.issues));
  const warnings = new Map(inventory.issues.map((issue) => [issue.path, `${issue.severity} ${issue.message}`]));
  const expected: [string, string][] = [
    ["overlap", "its sparse segments overlap or pass its size"],
    ["past-end", "its sparse segments overlap or pass its size"],
    ["short", "its data is shorter than its sparse map"],
    ["odd-map", "its sparse map is malformed"],
    ["no-size", "no real size"],
    ["bad-1.0", "its sparse map is malformed"],
    ["too-many", "more than 65536 sparse segments"],
    ["gnu-too-many", "more than 65536 sparse segments"],
  ];
  for (const [name, why] of expected) {
    assert.equal(warnings.get(`/${manifest(name)}`), `warning sparse file: ${why}; skipped`, name);
  }
  assert.equal(inventory.issues.length, expected.length, issueText(inventory.issues));
});

/** The bytes SparseHeaders passes on when fed `tar` in pieces of random sizes up to `max`. */
async function throughSparseHeaders(tar: Buffer, max: number, seed: number): Promise<Buffer> {
  const next = seededRandom(seed);
  const pieces: Buffer[] = [];
  for (let at = 0; at < tar.length; ) {
    const length = 1 + Math.floor(next() * max);
    pieces.push(tar.subarray(at, at + length));
    at += length;
  }
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    new SparseHeaders(),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

test("tars without sparse files pass the sparse rewriting byte for byte, however the stream is cut", async () => {
  const long = "d/".repeat(80);
  const tar = rawTar([
    paxEntry({ comment: "global" }),
    { name: "pax-global", type: "g", body: "20 comment=glob\n" },
    paxEntry({ path: `${long}pax-named`, size: "3" }),
    { name: "short", body: "abc" },
    { name: "././@LongLink", type: "L", body: `${long}gnu-named\0` },
    { name: "cut", body: "gnu long name" },
    { name: "dir/", type: "5", size: 700 },
    { name: "file", body: Buffer.alloc(5000, 7) },
    { name: "link", type: "2", linkname: "file" },
    { name: "unknown-type", type: "Z", body: "data" },
  ]);
  // A bad checksum stops the rewriting; what follows still passes unchanged.
  const corrupt = Buffer.concat([tar.subarray(0, tar.length - 1024), Buffer.alloc(512, 0x41), tar]);
  for (const [seed, max] of [
    [1, 1],
    [2, 7],
    [3, 511],
    [4, 513],
    [5, 4096],
    [6, 1 << 20],
  ] as const) {
    assert.ok((await throughSparseHeaders(tar, max, seed)).equals(tar), `pieces of up to ${max} bytes`);
    assert.ok(
      (await throughSparseHeaders(corrupt, max, seed)).equals(corrupt),
      `corrupt, pieces of up to ${max} bytes`,
    );
    const cut = tar.subarray(0, 1000 + seed * 333);
    assert.ok((await throughSparseHeaders(cut, max, seed)).equals(cut), `cut, pieces of up to ${max} bytes`);
  }
});
