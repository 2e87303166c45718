import { test } from "node:test";
import assert from "node:assert/strict";
import { strToU8, zipSync, type Zippable } from "fflate";
import type { PackageMetadata, PythonMetadata } from "../../model/package.ts";
import { parseEgg, parseWheel } from "./parse-archive.ts";

function python(metadata: PackageMetadata | undefined): PythonMetadata {
  assert.ok(metadata?.kind === "python");
  return metadata;
}

const zip = (entries: Record<string, string>): Buffer => {
  const tree: Zippable = {};
  for (const [name, text] of Object.entries(entries)) tree[name] = strToU8(text);
  return Buffer.from(zipSync(tree));
};

const kitchen = [
  "Metadata-Version: 1.2",
  "Name: kitchen",
  "Version: 1.2.6",
  "License: LGPLv2+",
  "Classifier: License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)",
].join("\n");

test("an egg: EGG-INFO/PKG-INFO and top_level.txt", async () => {
  const egg = zip({ "EGG-INFO/PKG-INFO": kitchen, "EGG-INFO/top_level.txt": "kitchen\n", "kitchen/__init__.py": "" });
  const { packages, issues } = await parseEgg(egg);
  assert.deepEqual(issues, []);
  assert.equal(packages.length, 1);
  const [pkg] = packages;
  assert.equal(pkg?.name, "kitchen");
  assert.equal(pkg?.version, "1.2.6");
  assert.equal(pkg?.purl, "pkg:pypi/kitchen@1.2.6");
  assert.equal(pkg?.inside, "EGG-INFO/PKG-INFO");
  assert.deepEqual(pkg?.licenses, ["GNU Library or Lesser General Public License (LGPL)"]);
  assert.equal(python(pkg?.metadata).format, "egg");
  assert.deepEqual(python(pkg?.metadata).topLevelPackages, ["kitchen"]);
});

test("an egg without PKG-INFO gives nothing and no issue; a file that is no zip gives an issue", async () => {
  assert.deepEqual(await parseEgg(zip({ "kitchen/__init__.py": "" })), { packages: [], issues: [] });
  const broken = await parseEgg(Buffer.from("not a zip at all"));
  assert.deepEqual(broken.packages, []);
  assert.match(broken.issues[0] ?? "", /not a readable zip archive/);
  const truncated = zip({ "EGG-INFO/PKG-INFO": kitchen });
  assert.equal((await parseEgg(truncated.subarray(0, truncated.length - 10))).issues.length, 1);
});

test("a wheel: the root .dist-info/METADATA", async () => {
  const wheel = zip({
    "six.py": "",
    "six-1.16.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n",
    "six-1.16.0.dist-info/top_level.txt": "six\n",
    "six-1.16.0.dist-info/RECORD": "",
    "vendored/other-1.0.dist-info/METADATA": "Name: other\nVersion: 1.0\n",
  });
  const { packages, issues } = await parseWheel(wheel);
  assert.deepEqual(issues, []);
  assert.equal(packages.length, 1);
  assert.equal(packages[0]?.purl, "pkg:pypi/six@1.16.0");
  assert.equal(packages[0]?.inside, "six-1.16.0.dist-info/METADATA");
  assert.deepEqual(packages[0]?.licenses, ["MIT"]);
  assert.equal(python(packages[0]?.metadata).format, "wheel");
  assert.deepEqual(python(packages[0]?.metadata).topLevelPackages, ["six"]);
});

test("a wheel without METADATA, or with two, says so", async () => {
  const none = await parseWheel(zip({ "six.py": "" }));
  assert.deepEqual(none, { packages: [], issues: ["no *.dist-info/METADATA: not a wheel"] });
  const two = await parseWheel(
    zip({ "a-1.dist-info/METADATA": "Name: a\nVersion: 1\n", "b-2.dist-info/METADATA": "Name: b\nVersion: 2\n" }),
  );
  assert.equal(two.packages.length, 1);
  assert.match(two.issues[0] ?? "", /several \.dist-info directories/);
});

test("caps: entry count, declared size, and an entry that inflates past its declared size", async () => {
  const many: Record<string, string> = { "EGG-INFO/PKG-INFO": kitchen };
  for (let i = 0; i < 20; i++) many[`kitchen/m${i}.py`] = "";
  const counted = await parseEgg(zip(many), { maxEntries: 5, maxEntryBytes: 1024 });
  assert.match(counted.issues[0] ?? "", /more than 5 entries/);
  assert.equal(counted.packages.length, 1, "entries before the cap are still read");

  const large = await parseEgg(zip({ "EGG-INFO/PKG-INFO": kitchen }), { maxEntries: 10, maxEntryBytes: 64 });
  assert.deepEqual(large.packages, []);
  assert.match(large.issues[0] ?? "", /over the 64-byte limit/);

  // A bomb: 8 MiB of spaces declared as 100 bytes in both headers.
  const bomb = Buffer.from(zipSync({ "EGG-INFO/PKG-INFO": [new Uint8Array(8 * 1024 * 1024).fill(32), { level: 9 }] }));
  setDeclaredSize(bomb, "EGG-INFO/PKG-INFO", 100);
  const inflated = await parseEgg(bomb, { maxEntries: 10, maxEntryBytes: 1024 });
  assert.deepEqual(inflated.packages, []);
  assert.equal(inflated.issues.length, 1);
  assert.match(inflated.issues[0] ?? "", /EGG-INFO\/PKG-INFO: /);
});

/** Rewrites the uncompressed size of one entry in its local and central headers. */
function setDeclaredSize(archive: Buffer, name: string, size: number): void {
  for (let at = 0; at < archive.length - 4; at++) {
    const signature = archive.readUInt32LE(at);
    if (signature === 0x04034b50 && archive.toString("utf8", at + 30, at + 30 + name.length) === name) {
      archive.writeUInt32LE(size, at + 22);
    } else if (signature === 0x02014b50 && archive.toString("utf8", at + 46, at + 46 + name.length) === name) {
      archive.writeUInt32LE(size, at + 24);
    }
  }
}
