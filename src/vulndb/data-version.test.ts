import assert from "node:assert/strict";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { unzipSync, zipSync } from "fflate";
import { openVulnDatabase } from "./database.ts";
import { bumpDataVersion, readDataVersion } from "./data-version.ts";
import { importOsvZip } from "./import-zip.ts";

const npmZip = fileURLToPath(new URL("../../../shared/osv/npm/all.zip", import.meta.url));
let work = "";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-data-version-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The first record of the npm export, withdrawn a day after its last modification. */
async function withdrawnCopy(out: string): Promise<string> {
  const entries = unzipSync(await readFile(npmZip));
  const [name, bytes] = Object.entries(entries).find(([entry]) => entry.endsWith(".json")) ?? [];
  assert.ok(name !== undefined && bytes !== undefined);
  const record: unknown = JSON.parse(new TextDecoder().decode(bytes));
  assert.ok(typeof record === "object" && record !== null && "modified" in record);
  const later = new Date(Date.parse(String(record.modified)) + 86_400_000).toISOString();
  await writeFile(
    out,
    zipSync({ [name]: new TextEncoder().encode(JSON.stringify({ ...record, modified: later, withdrawn: later })) }),
  );
  return name;
}

test("the data version moves only when an import changes advisories, and every connection sees it", async () => {
  const path = join(work, "osv.sqlite");
  const db = openVulnDatabase(path);
  const reader = openVulnDatabase(path, { readonly: true });
  try {
    assert.equal(readDataVersion(db), 0);
    const first = await importOsvZip(db, npmZip, "npm");
    assert.ok(first.imported > 400);
    assert.equal(readDataVersion(db), 1);
    assert.equal(readDataVersion(reader), 1);

    const again = await importOsvZip(db, npmZip, "npm");
    assert.equal(again.imported, 0);
    assert.equal(readDataVersion(reader), 1, "an import that changed nothing keeps the version");

    const changed = join(work, "withdrawn.zip");
    await withdrawnCopy(changed);
    assert.equal((await importOsvZip(db, changed, "npm")).imported, 1);
    assert.equal(readDataVersion(reader), 2);
  } finally {
    reader.close();
    db.close();
  }
});

test("bumps from several connections all count", () => {
  const path = join(work, "two-writers.sqlite");
  const one = openVulnDatabase(path);
  const two = openVulnDatabase(path);
  try {
    const seen = [bumpDataVersion(one), bumpDataVersion(two), bumpDataVersion(one), bumpDataVersion(two)];
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal(readDataVersion(one), 4);
  } finally {
    one.close();
    two.close();
  }
});

test("a meta value that is not a count reads as 0", () => {
  const db = openVulnDatabase(join(work, "odd.sqlite"));
  try {
    db.prepare("INSERT INTO meta (key, value) VALUES ('data_version', 'soon')").run();
    assert.equal(readDataVersion(db), 0);
  } finally {
    db.close();
  }
});
