/**
 * Hostile names and links inside layer tars: `../` and absolute entry names, symlink loops, links
 * that climb out of the root, hard links to nothing, and paths that change kind across layers.
 * Strata never writes to disk, so "escaping" means reading or reporting something outside the
 * image root; every case runs the real pipeline.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { goBinaries } from "../fuzz/seeds.ts";
import {
  dpkgStatus,
  gzipLayers,
  issueText,
  packageNames,
  paxEntry,
  rawTar,
  scanRaw,
  sha256,
  withPeakRss,
} from "./hostile-image.ts";

const limit = { timeout: 60_000 };
const packageJson = (name: string): string => JSON.stringify({ name, version: "1.0.0" });
const licenseOf = (inventory: Awaited<ReturnType<typeof scanRaw>>, name: string): string[] | undefined =>
  inventory.packages.find((pkg) => pkg.name === name)?.licenses;

test("entry names with ../ are ignored with a warning; absolute names are read inside the root", limit, async () => {
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "/var/lib/dpkg/status", body: dpkgStatus("absolute") },
        { name: "../../var/lib/apk/db/installed", body: "P:climber\nV:1\n\n" },
        { name: "./../../app/node_modules/escaped/package.json", body: packageJson("escaped") },
        { name: "app/../../../node_modules/sneaky/package.json", body: packageJson("sneaky") },
        { name: "app/node_modules/kept/package.json", body: packageJson("kept") },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["absolute", "kept"]);
  for (const pkg of inventory.packages) {
    const path = pkg.locations[0]?.path ?? "";
    assert.ok(path.startsWith("/") && !path.split("/").includes(".."), `location ${path} is inside the root`);
  }
  const climbing = inventory.issues.filter((issue) => /climbs out of the image root/.test(issue.message));
  assert.equal(climbing.length, 3, issueText(inventory.issues));
  assert.ok(climbing.every((issue) => issue.severity === "warning" && issue.layer?.index === 0));
});

test("symlink loops, self links and links out of the root resolve inside the image or not at all", limit, async () => {
  const copyright = (license: string): string => `See /usr/share/common-licenses/${license}\n`;
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "var/lib/dpkg/status", body: dpkgStatus("climbs", "absolute", "loop", "self", "outside") },
        { name: "usr/share/doc/real-a/copyright", body: copyright("MIT") },
        { name: "usr/share/doc/real-b/copyright", body: copyright("BSD-3-clause") },
        // Relative and absolute targets that climb above the root stop at the root, as in a chroot.
        { name: "usr/share/doc/climbs", type: "2", linkname: "../../../../../../../../usr/share/doc/real-a" },
        { name: "usr/share/doc/absolute", type: "2", linkname: "/../../../usr/share/doc/real-b" },
        { name: "usr/share/doc/loop", type: "2", linkname: "loop-2" },
        { name: "usr/share/doc/loop-2", type: "2", linkname: "/usr/share/doc/loop" },
        { name: "usr/share/doc/self", type: "2", linkname: "self" },
        { name: "usr/share/doc/outside", type: "2", linkname: "/../../etc" },
        { name: "etc", type: "2", linkname: "../../../../" },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["absolute", "climbs", "loop", "outside", "self"]);
  assert.deepEqual(licenseOf(inventory, "climbs"), ["MIT"]);
  assert.deepEqual(licenseOf(inventory, "absolute"), ["BSD-3-clause"]);
  assert.deepEqual(licenseOf(inventory, "loop"), []);
  assert.deepEqual(licenseOf(inventory, "self"), []);
  assert.deepEqual(licenseOf(inventory, "outside"), []);
  assert.equal(inventory.issues.filter((issue) => issue.severity === "error").length, 0, issueText(inventory.issues));
});

test("a root filesystem's symlinks are never followed out of it", limit, async () => {
  const work = await mkdtemp(join(tmpdir(), "strata-hostile-rootfs-"));
  try {
    const outside = join(work, "outside");
    await mkdir(outside);
    await writeFile(join(outside, "status"), dpkgStatus("host-package"));
    await writeFile(join(outside, "copyright"), "See /usr/share/common-licenses/GPL-3\n");
    const root = join(work, "rootfs");
    await mkdir(join(root, "var/lib/dpkg"), { recursive: true });
    await mkdir(join(root, "usr/share/doc"), { recursive: true });
    await mkdir(join(root, "lib/apk/db"), { recursive: true });
    await writeFile(join(root, "var/lib/dpkg/status"), dpkgStatus("inside"));
    await symlink(outside, join(root, "usr/share/doc/inside"));
    await symlink(
      "../../../../../../../../../../../" + outside.slice(1) + "/status",
      join(root, "lib/apk/db/installed"),
    );
    const source = await openSource(`dir:${root}`);
    const inventory = await scanImage(source);
    assert.deepEqual(packageNames(inventory), ["inside"]);
    assert.deepEqual(licenseOf(inventory, "inside"), [], "the host's copyright file was not read");
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test("hard links to missing or empty targets, and empty symlink targets, cost only themselves", limit, async () => {
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "var/lib/dpkg/status", body: dpkgStatus("base") },
        { name: "app/node_modules/gone/package.json", type: "1", linkname: "app/node_modules/nowhere/package.json" },
        { name: "app/node_modules/empty/package.json", type: "1", linkname: "" },
        { name: "app/node_modules/out/package.json", type: "1", linkname: "../../../etc/passwd" },
        // An empty symlink target (tar-stream reads it as null) on a path a cataloger looks through.
        { name: "usr/share/doc/base", type: "2", linkname: "" },
        { name: "app/node_modules/after/package.json", body: packageJson("after") },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["after", "base"], issueText(inventory.issues));
  assert.equal(inventory.issues.filter((issue) => issue.severity === "error").length, 0, issueText(inventory.issues));
  const skipped = inventory.issues.filter((issue) => /hard link to .*not kept/.test(issue.message));
  assert.deepEqual(skipped.map((issue) => issue.path).sort(), [
    "/app/node_modules/empty/package.json",
    "/app/node_modules/gone/package.json",
    "/app/node_modules/out/package.json",
  ]);
});

test("a file that replaces a directory hides everything lower layers had below it", limit, async () => {
  const [goBinary] = goBinaries();
  assert.ok(goBinary);
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "a/node_modules/x/package.json", body: packageJson("x") },
        { name: "c/node_modules/w/package.json", body: packageJson("w") },
        { name: "d/node_modules/v/package.json", body: packageJson("v") },
        { name: "usr/local/bin/app", body: goBinary, mode: 0o755 },
      ]),
      rawTar([
        // An unwanted regular file, a symlink and a fifo where directories were.
        { name: "a/node_modules", body: "now a file" },
        { name: "c/node_modules", type: "2", linkname: "/nowhere" },
        { name: "d/node_modules", type: "6" },
        // A Go binary replaced by a script is no longer a Go binary.
        { name: "usr/local/bin/app", body: "#!/bin/sh\nexec true\n", mode: 0o755 },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), [], issueText(inventory.issues));
});

test("a directory that replaces a file hides the lower file", limit, async () => {
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "b/node_modules/y/package.json", body: packageJson("y") },
        { name: "b/node_modules/z/package.json", body: packageJson("z") },
      ]),
      rawTar([
        { name: "b/node_modules/y/package.json/", type: "5" },
        { name: "b/node_modules/y/package.json/index.js", body: "module.exports = 1;\n" },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["z"], issueText(inventory.issues));
});

test("an empty directory entry replaces a lower file or symlink and merges with a lower directory", limit, async () => {
  const inventory = await scanRaw({
    layers: gzipLayers(
      rawTar([
        { name: "usr/share/doc/real/copyright", body: "See /usr/share/common-licenses/MIT\n" },
        { name: "usr/share/doc/linked", type: "2", linkname: "real" },
        { name: "usr/share/doc/kept", type: "2", linkname: "real" },
        { name: "a/node_modules/x/package.json", body: packageJson("x") },
        { name: "b/node_modules/y/package.json", body: packageJson("y") },
      ]),
      rawTar([
        // Nothing below these: only the entries themselves replace what was there.
        { name: "a/node_modules/x/package.json/", type: "5" },
        { name: "usr/share/doc/linked/", type: "5" },
        // A directory over a directory merges with it; a file written below a symlink goes through it.
        { name: "b/node_modules/", type: "5" },
        { name: "usr/share/doc/kept/changelog", body: "through the link\n" },
        // Read after the layer is applied, so its licenses are looked up through what is left.
        { name: "var/lib/dpkg/status", body: dpkgStatus("linked", "kept") },
      ]),
    ),
  });
  assert.deepEqual(packageNames(inventory), ["kept", "linked", "y"], issueText(inventory.issues));
  assert.deepEqual(licenseOf(inventory, "linked"), [], "the symlink to the copyright was replaced");
  assert.deepEqual(licenseOf(inventory, "kept"), ["MIT"]);
});

test("names and link targets longer than PATH_MAX are ignored, not held", limit, async () => {
  const megabyte = "d/".repeat(1 << 19);
  const members: Buffer[] = [];
  for (let i = 0; i < 80; i++) {
    const entries = [
      paxEntry({ path: `${megabyte}${i}`, linkpath: `${megabyte}target` }),
      { name: `l${i}`, type: "2" },
    ];
    members.push(gzipSync(rawTar(entries, { end: false }), { level: 1 }));
  }
  members.push(gzipSync(rawTar([{ name: "lib/apk/db/installed", body: "P:after-long-names\nV:1\n\n" }])));
  const blob = Buffer.concat(members);
  const { result: inventory, peakMiB } = await withPeakRss(() =>
    scanRaw({ layers: [{ blob, diffId: sha256(Buffer.from("unchecked")) }] }),
  );
  assert.deepEqual(packageNames(inventory), ["after-long-names"]);
  const ignored = inventory.issues.filter((issue) => /longer than 4096 bytes; ignored/.test(issue.message));
  assert.equal(ignored.length, 80);
  assert.ok(ignored.every((issue) => (issue.path ?? "").length <= 256));
  assert.ok(peakMiB < 300, `resident memory grew by ${Math.round(peakMiB)} MiB for 80 names of 1 MiB`);
});

test(
  "a layer that names more than 128 MiB of paths and links is refused; the other layers are read",
  limit,
  async () => {
    const long = "p/".repeat(1995);
    const member = gzipSync(
      rawTar([paxEntry({ path: `${long}link`, linkpath: `${long}target` }), { name: "link", type: "2" }], {
        end: false,
      }),
    );
    const blob = Buffer.concat([...Array<Buffer>(17_000).fill(member), gzipSync(rawTar([]))]);
    const inventory = await scanRaw({
      layers: [
        ...gzipLayers(rawTar([{ name: "var/lib/dpkg/status", body: dpkgStatus("base") }])),
        { blob, diffId: sha256(Buffer.from("unchecked")) },
        ...gzipLayers(rawTar([{ name: "lib/apk/db/installed", body: "P:on-top\nV:1\n\n" }])),
      ],
    });
    assert.deepEqual(packageNames(inventory), ["base", "on-top"]);
    const errors = inventory.issues.filter((issue) => issue.severity === "error");
    assert.equal(errors.length, 1, issueText(inventory.issues));
    assert.match(
      errors[0]?.message ?? "",
      /^layer 1: .*names more than 134217728 bytes of paths, links and whiteouts; refused/,
    );
  },
);
