/**
 * Hostile archives and executables inside an image: zip bombs in jars, wheels and eggs (honest and
 * lying sizes), jars nested 50 deep, zips declaring a million entries, traversal names in zips, and
 * ELF, PE and Mach-O files whose headers point past their end. Each runs the real pipeline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildElf, buildFat, buildMachO, buildPe } from "../../src/catalogers/rust/synthetic-executables.ts";
import { auditableBinaries, goBinaries } from "../fuzz/seeds.ts";
import { gzipLayers, issueText, packageNames, type RawEntry, rawTar, scanRaw, withPeakRss } from "./hostile-image.ts";
import { eggOf, jarOf, wheelOf, zeroEntry, zipOf } from "./hostile-zip.ts";

const MiB = 1024 * 1024;
const limit = { timeout: 120_000 };

function errorsOf(issues: Awaited<ReturnType<typeof scanRaw>>["issues"]) {
  return issues.filter((issue) => issue.severity === "error");
}

// First in the file: the process high-water mark is only meaningful before another test raised it.
test("a jar nesting a 250 MiB deflated archive holds it once while reading it", limit, async () => {
  const size = 250 * MiB;
  const jar = jarOf("org.bomb", "outer", "1.0", [await zeroEntry("lib/inner-1.0.jar", size)]);
  assert.ok(jar.length < MiB);
  const { result: inventory, peakMiB } = await withPeakRss(() =>
    scanRaw({ layers: gzipLayers(rawTar([{ name: "app/outer-1.0.jar", body: jar }])) }),
  );
  assert.deepEqual(packageNames(inventory), ["org.bomb:outer"]);
  assert.match(issueText(inventory.issues), /lib\/inner-1\.0\.jar: not a zip archive/);
  assert.ok(
    peakMiB < size / MiB + 50,
    `resident memory grew by ${Math.round(peakMiB)} MiB for a ${size / MiB} MiB entry`,
  );
});

test("zip bombs in jars, wheels and eggs: honest sizes are refused, lying ones are cut off", limit, async () => {
  const bomb = await zeroEntry("bomb", 200 * MiB);
  const files: RawEntry[] = [
    {
      name: "app/lib/lying-1.0.jar",
      body: jarOf("org.lying", "lying", "1.0", [
        { ...bomb, name: "META-INF/maven/org.lying/other/pom.properties", declaredSize: 100 },
      ]),
    },
    {
      name: "app/lib/honest-1.0.jar",
      body: jarOf("org.honest", "honest", "1.0", [{ ...bomb, name: "META-INF/maven/org.honest/other/pom.properties" }]),
    },
    {
      name: "usr/lib/python3/dist-packages/lying-1.0-py3-none-any.whl",
      body: wheelOf("lying-wheel", "1.0", [
        { ...bomb, name: "lying_wheel-1.0.dist-info/top_level.txt", declaredSize: 10 },
      ]),
    },
    {
      name: "usr/lib/python3/dist-packages/honest-1.0-py3-none-any.whl",
      body: wheelOf("honest-wheel", "1.0", [{ ...bomb, name: "honest_wheel-1.0.dist-info/top_level.txt" }]),
    },
    {
      name: "usr/lib/python3/dist-packages/lying-1.0-py3.8.egg",
      body: eggOf("lying-egg", "1.0", [{ ...bomb, name: "EGG-INFO/top_level.txt", declaredSize: 10 }]),
    },
    {
      name: "usr/lib/python3/dist-packages/honest-1.0-py3.8.egg",
      body: eggOf("honest-egg", "1.0", [{ ...bomb, name: "EGG-INFO/top_level.txt" }]),
    },
  ];
  const started = Date.now();
  const { result: inventory, peakMiB } = await withPeakRss(() => scanRaw({ layers: gzipLayers(rawTar(files)) }));
  assert.deepEqual(packageNames(inventory), [
    "honest-egg",
    "honest-wheel",
    "lying-egg",
    "lying-wheel",
    "org.honest:honest",
    "org.lying:lying",
  ]);
  const text = issueText(inventory.issues);
  assert.match(
    text,
    /lying-1\.0\.jar .*other\/pom\.properties: the entry inflates past its declared size of 100 bytes/,
  );
  assert.match(
    text,
    /honest-1\.0\.jar .*other\/pom\.properties: declares 209715200 bytes, more than the 4194304 read; skipped/,
  );
  assert.match(text, /lying-1\.0-py3-none-any\.whl .*top_level\.txt: too many bytes in the stream/);
  assert.match(text, /honest-1\.0-py3-none-any\.whl .*top_level\.txt: 209715200 bytes is over the 16777216-byte limit/);
  assert.match(text, /lying-1\.0-py3\.8\.egg .*top_level\.txt: too many bytes in the stream/);
  assert.match(text, /honest-1\.0-py3\.8\.egg .*top_level\.txt: 209715200 bytes is over the 16777216-byte limit/);
  assert.deepEqual(errorsOf(inventory.issues), []);
  assert.ok(Date.now() - started < 60_000);
  assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB`);
});

test("jars nested 50 deep are read to the depth cap, stored or deflated", limit, async () => {
  const nest = (method: 0 | 8): Buffer => {
    let jar = jarOf("org.deep", "d50", "1");
    for (let depth = 49; depth >= 0; depth--) {
      jar = jarOf("org.deep", `d${depth}`, "1", [{ name: `lib/d${depth + 1}-1.jar`, data: jar, method }]);
    }
    return jar;
  };
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "app/stored/d0-1.jar", body: nest(0) },
        { name: "app/deflated/d0-1.jar", body: nest(8) },
      ]),
    ),
  });
  for (const dir of ["stored", "deflated"]) {
    const found = inventory.packages.filter((pkg) => pkg.locations[0]?.path === `/app/${dir}/d0-1.jar`);
    // The scanned jar is depth 0; archives down to depth 16 are opened.
    assert.deepEqual(
      found.map((pkg) => pkg.name).sort(),
      Array.from({ length: 17 }, (_, depth) => `org.deep:d${depth}`).sort(),
    );
  }
  assert.match(issueText(inventory.issues), /lib\/d17-1\.jar: nested more than 16 archives deep; not read/);
  assert.deepEqual(errorsOf(inventory.issues), []);
});

test("zips that declare a million entries, and one that has 150,000, are read within their caps", limit, async () => {
  const pom = "groupId=org.many\nartifactId=declared\nversion=1\n";
  const many = zipOf([
    {
      name: "META-INF/maven/org.many/listed/pom.properties",
      data: "groupId=org.many\nartifactId=listed\nversion=1\n",
      method: 0,
    },
    ...Array.from({ length: 150_000 }, (_, i) => ({ name: `f/${i}`, data: "", method: 0 as const })),
  ]);
  const started = Date.now();
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        {
          name: "app/declared-1.jar",
          body: zipOf([{ name: "META-INF/maven/org.many/declared/pom.properties", data: pom }], {
            declaredCount: 1_000_000,
          }),
        },
        {
          name: "usr/lib/python3/dist-packages/declared-1.0-py3-none-any.whl",
          body: zipOf([{ name: "declared-1.0.dist-info/METADATA", data: "Name: declared\nVersion: 1.0\n" }], {
            declaredCount: 1_000_000,
          }),
        },
        { name: "app/listed-1.jar", body: many },
        {
          name: "usr/lib/python3/dist-packages/many-1.0-py3-none-any.whl",
          body: zipOf([
            { name: "many-1.0.dist-info/METADATA", data: "Name: many\nVersion: 1.0\n", method: 0 },
            ...Array.from({ length: 150_000 }, (_, i) => ({ name: `f/${i}`, data: "", method: 0 as const })),
          ]),
        },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["declared", "many", "org.many:declared", "org.many:listed"]);
  const text = issueText(inventory.issues);
  assert.match(text, /declared-1\.jar the central directory ends after 1 of 1000000 entries/);
  assert.match(text, /declared-1\.0-py3-none-any\.whl not a readable zip archive/);
  assert.match(text, /many-1\.0-py3-none-any\.whl archive has more than 100000 entries; the rest were not read/);
  assert.ok(Date.now() - started < 60_000);
});

test(
  "traversal names inside zips are labels, never paths: packages stay at the archive's location",
  limit,
  async () => {
    const evil = zipOf([
      { name: "../../../../usr/lib/x-1.0.jar", data: jarOf("org.evil", "x", "1.0") },
      { name: "/etc/y-2.0.jar", data: jarOf("org.evil", "y", "2.0") },
      { name: "../../META-INF/maven/org.evil/z/pom.properties", data: "groupId=org.evil\nartifactId=z\nversion=3\n" },
    ]);
    const inventory = await scanRaw({ layers: gzipLayers(rawTar([{ name: "app/evil.jar", body: evil }])) });
    assert.deepEqual(packageNames(inventory), ["org.evil:x", "org.evil:y", "org.evil:z"]);
    for (const pkg of inventory.packages) assert.equal(pkg.locations[0]?.path, "/app/evil.jar");
    assert.equal(
      inventory.packages
        .find((pkg) => pkg.name === "org.evil:x")
        ?.locations[0]?.inside?.startsWith("../../../../usr/lib/x-1.0.jar!"),
      true,
    );
  },
);

/** Copies `binary` and writes `value` at `offset` (32 or 64 bits, the file's byte order). */
function patched(
  binary: Buffer,
  offset: number,
  value: number | bigint,
  width: 2 | 4 | 8,
  littleEndian = true,
): Buffer {
  const copy = Buffer.from(binary);
  if (width === 8) {
    if (littleEndian) copy.writeBigUInt64LE(BigInt(value), offset);
    else copy.writeBigUInt64BE(BigInt(value), offset);
  } else if (width === 4) {
    if (littleEndian) copy.writeUInt32LE(Number(value), offset);
    else copy.writeUInt32BE(Number(value), offset);
  } else if (littleEndian) copy.writeUInt16LE(Number(value), offset);
  else copy.writeUInt16BE(Number(value), offset);
  return copy;
}

test("ELF, PE and Mach-O files with absurd offsets or cut short give issues, never a failed scan", limit, async () => {
  const [goElf, , goMachO] = goBinaries();
  const [auditElf, auditPe, auditMachO, auditFat] = auditableBinaries();
  assert.ok(goElf && goMachO && auditElf && auditPe && auditMachO && auditFat);
  const pe = buildPe({ bits: 64, sections: [{ name: ".data", data: Buffer.alloc(64) }] });
  const peOffset = pe.readUInt32LE(0x3c);
  const peTable = peOffset + 24 + pe.readUInt16LE(peOffset + 20);
  const huge = 0xffff_fff0n;
  const broken: Record<string, Buffer> = {
    // ELF-64: e_phoff 0x20, e_shoff 0x28, e_shentsize 0x3a, e_shnum 0x3c, e_shstrndx 0x3e.
    "elf-shoff-past-end": patched(goElf, 0x28, BigInt(goElf.length - 8), 8),
    "elf-shoff-2^64": patched(goElf, 0x28, 0xffff_ffff_ffff_fff0n, 8),
    "elf-shnum-max": patched(goElf, 0x3c, 0xffff, 2),
    "elf-shstrndx-max": patched(auditElf, 0x3e, 0xfffe, 2),
    "elf-phoff-huge": patched(patched(goElf, 0x20, huge, 8), 0x38, 0xffff, 2),
    "elf-cut": goElf.subarray(0, 100),
    "audit-elf-cut": auditElf.subarray(0, Math.floor(auditElf.length / 2)),
    "elf-empty-class": buildElf({ bits: 64, littleEndian: true, sections: [] }).fill(9, 4, 5),
    // PE: e_lfanew at 0x3c, NumberOfSections at PE+6, a section's PointerToRawData at +20.
    "pe-lfanew-huge": patched(pe, 0x3c, 0x7fff_ffff, 4),
    "pe-sections-max": patched(pe, peOffset + 6, 0xffff, 2),
    "pe-raw-offset-huge": patched(pe, peTable + 20, 0xffff_fff0, 4),
    "pe-audit-cut": auditPe.subarray(0, auditPe.length - 40),
    // Mach-O: ncmds at 16, sizeofcmds at 20; fat: nfat_arch at 4, the first arch's offset at 16.
    "macho-ncmds-max": patched(goMachO, 16, 0xffff_ffff, 4),
    "macho-sizeofcmds-huge": patched(auditMachO, 20, 0xffff_fff0, 4),
    "macho-cut": goMachO.subarray(0, 40),
    "fat-offset-huge": patched(auditFat, 16, 0xffff_fff0, 4, false),
    "fat-count-19": patched(auditFat, 4, 19, 4, false),
    "fat-of-garbage": buildFat([Buffer.from("not a mach-o at all, only text......")]),
    "macho-empty": buildMachO({ bits: 32, littleEndian: false, sections: [] }).subarray(0, 28),
  };
  const entries: RawEntry[] = Object.entries(broken).map(([name, body]) => ({
    name: `usr/bin/${name}`,
    body,
    mode: 0o755,
  }));
  entries.push({ name: "usr/bin/go-intact", body: goElf, mode: 0o755 });
  entries.push({ name: "usr/bin/auditable-intact", body: auditElf, mode: 0o755 });
  const inventory = await scanRaw({ layers: gzipLayers(rawTar(entries)) });
  const intact = inventory.packages.filter((pkg) => pkg.locations[0]?.path.endsWith("-intact"));
  assert.deepEqual(intact.map((pkg) => pkg.name).sort(), [
    "app",
    "example.com/app",
    "golang.org/x/text",
    "serde",
    "stdlib",
  ]);
  assert.deepEqual(errorsOf(inventory.issues), [], issueText(inventory.issues));
  for (const issue of inventory.issues) {
    assert.ok(issue.path?.startsWith("/usr/bin/"), issueText([issue]));
    assert.doesNotMatch(issue.message, /cataloger failed|TypeError|RangeError/);
  }
  const reported = new Set(inventory.issues.map((issue) => issue.path));
  for (const name of [
    "elf-cut",
    "audit-elf-cut",
    "pe-lfanew-huge",
    "pe-sections-max",
    "macho-ncmds-max",
    "fat-offset-huge",
  ]) {
    assert.ok(reported.has(`/usr/bin/${name}`), `${name} gives an issue:\n${issueText(inventory.issues)}`);
  }
});
