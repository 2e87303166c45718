/**
 * Many wanted files, each under its own cap, that add up to more than a layer may keep in memory.
 * In a file of its own: its memory check reads the process's high-water mark, which no other test
 * may have raised first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { defaultLimits } from "../../src/limits.ts";
import { jarOf } from "./hostile-zip.ts";
import { block, gzipLayers, issueText, rawTar, scanRaw, sha256, tarHeader, withPeakRss } from "./hostile-image.ts";

const MiB = 1024 * 1024;
const budget = defaultLimits.maxLayerKeptBytes;
/** Just under the node cataloger's 4 MiB cap for a package.json. */
const fileBytes = 4 * MiB - 4096;
const files = Math.ceil((budget * 1.6) / fileBytes);

/**
 * A gzip stream of `files` package.json entries of `fileBytes` each, named p0000, p0001, ...: the
 * padding between their names and their ends is one gzip member, compressed once and repeated.
 */
function manyLargeManifests(): Buffer {
  const head = (i: number): string => `{"name":"p${String(i).padStart(4, "0")}","version":"1.0.0","x":"`;
  const tail = '"}';
  const padding = gzipSync(Buffer.alloc(fileBytes - head(0).length - tail.length, "x"), { level: 9 });
  const members: Buffer[] = [];
  for (let i = 0; i < files; i++) {
    const name = `app/node_modules/p${String(i).padStart(4, "0")}/package.json`;
    members.push(gzipSync(Buffer.concat([tarHeader({ name }, fileBytes), Buffer.from(head(i))])), padding);
    members.push(gzipSync(Buffer.concat([Buffer.from(tail), Buffer.alloc((block - (fileBytes % block)) % block)])));
  }
  // Eager catalogers' files keep nothing, so the spent budget does not stop them.
  members.push(gzipSync(rawTar([{ name: "opt/app/lib/late-1.0.jar", body: jarOf("org.example", "late", "1.0") }])));
  return Buffer.concat(members);
}

test("a layer's kept files are capped in total: the rest are skipped with one issue naming the layer", {
  timeout: 300_000,
}, async () => {
  const blob = manyLargeManifests();
  const { result: inventory, peakMiB } = await withPeakRss(() =>
    scanRaw({
      layers: [
        { blob, diffId: sha256(Buffer.from("unchecked")) },
        ...gzipLayers(rawTar([{ name: "lib/apk/db/installed", body: "P:next-layer\nV:1\n\n" }])),
      ],
    }),
  );
  const kept = Math.floor(budget / fileBytes);
  const names = inventory.packages.map((pkg) => pkg.name);
  assert.equal(names.filter((name) => /^p\d{4}$/.test(name)).length, kept, issueText(inventory.issues));
  assert.ok(names.includes("p0000") && !names.includes(`p${String(kept).padStart(4, "0")}`));
  assert.ok(names.includes("org.example:late"), "the eager jar after the budget ran out was read");
  assert.ok(names.includes("next-layer"), "the next layer was read");
  const skipped = inventory.issues.filter((issue) => /budget/.test(issue.message));
  assert.equal(skipped.length, 1, issueText(inventory.issues));
  assert.equal(skipped[0]?.layer?.index, 0);
  assert.equal(skipped[0]?.severity, "warning");
  assert.equal(
    skipped[0]?.message,
    `layer 0: the files kept from this layer passed its ${budget}-byte budget: ${files - kept} more were skipped, ` +
      `the first /app/node_modules/p${String(kept).padStart(4, "0")}/package.json`,
  );
  const allowedMiB = budget / MiB + 192;
  assert.ok(peakMiB < allowedMiB, `resident memory grew by ${Math.round(peakMiB)} MiB (allowed ${allowedMiB})`);
});
