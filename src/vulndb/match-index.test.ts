import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { zipSync } from "fflate";
import { InputError } from "../errors.ts";
import { sqliteAdvisoryStore } from "../match/advisory-store.ts";
import { matchPackages } from "../match/matcher.ts";
import type { Distro } from "../model/distro.ts";
import type { Package } from "../model/package.ts";
import { type VulnDatabase, openCurrentVulnDatabase, openVulnDatabase, schemaVersion } from "./database.ts";
import { importOsvZip } from "./import-zip.ts";
import { refreshMatchIndex } from "./match-index.ts";

const layer = { index: 0, digest: "sha256:0", diffId: "sha256:0" };
const debian12: Distro = { id: "debian", versionId: "12", idLike: [] };

const npm = (name: string, version: string): Package => ({
  id: `npm:${name}@${version}`,
  name,
  version,
  ecosystem: "npm",
  purl: `pkg:npm/${name}@${version}`,
  licenses: [],
  foundBy: "test",
  layer,
  locations: [],
  metadata: { kind: "npm", private: false },
});

const deb = (name: string, version: string): Package => ({
  ...npm(name, version),
  id: `deb:${name}@${version}`,
  ecosystem: "deb",
  purl: `pkg:deb/debian/${name}@${version}`,
  metadata: { kind: "dpkg", provides: [], depends: [], preDepends: [], database: "dpkg" },
});

interface Record {
  id: string;
  modified: string;
  withdrawn?: string;
  aliases?: string[];
  affected: { ecosystem: string; name: string; fixed: string }[];
}

const osv = (record: Record): unknown => ({
  id: record.id,
  modified: record.modified,
  ...(record.withdrawn ? { withdrawn: record.withdrawn } : {}),
  aliases: record.aliases ?? [],
  summary: `${record.id} summary`,
  affected: record.affected.map(({ ecosystem, name, fixed }) => ({
    package: { ecosystem, name },
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
  })),
});

let work = "";
let zips = 0;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-match-index-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const dbPath = (): string => join(work, "osv.sqlite");

async function importRecords(db: VulnDatabase, records: Record[]): Promise<void> {
  const zip = join(work, `feed-${(zips += 1)}.zip`);
  const files = Object.fromEntries(
    records.map((record) => [`${record.id}.json`, new TextEncoder().encode(JSON.stringify(osv(record)))]),
  );
  await writeFile(zip, zipSync(files));
  await importOsvZip(db, zip, "test");
}

/** "id@package" for each finding of these packages. */
function findings(db: VulnDatabase, packages: Package[], distro?: Distro): string[] {
  return matchPackages(sqliteAdvisoryStore(db), packages, distro)
    .map((finding) => `${finding.id}@${finding.packageName}`)
    .sort();
}

const count = (db: VulnDatabase, table: string): number =>
  db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;

test("an import keeps the index in step: updated, moved and withdrawn advisories", async () => {
  const db = openVulnDatabase(dbPath());
  try {
    await importRecords(db, [
      {
        id: "GHSA-1",
        modified: "2024-01-01T00:00:00Z",
        affected: [{ ecosystem: "npm", name: "left", fixed: "2.0.0" }],
      },
      {
        id: "GHSA-2",
        modified: "2024-01-01T00:00:00Z",
        affected: [{ ecosystem: "npm", name: "both", fixed: "1.0.0" }],
      },
      {
        id: "DSA-3",
        modified: "2024-01-01T00:00:00Z",
        aliases: ["CVE-2024-3"],
        affected: [
          { ecosystem: "Debian:12", name: "openssl", fixed: "3.0.9" },
          { ecosystem: "Debian:11", name: "openssl", fixed: "1.1.2" },
        ],
      },
    ]);
    const packages = [npm("left", "1.0.0"), npm("right", "1.0.0"), npm("both", "0.5.0"), deb("openssl", "3.0.8")];
    assert.deepEqual(findings(db, packages, debian12), ["CVE-2024-3@openssl", "GHSA-1@left", "GHSA-2@both"]);
    assert.equal(count(db, "match_index_stale"), 0);

    // GHSA-1 now names another package; GHSA-2 is withdrawn; an older copy of DSA-3 changes nothing.
    await importRecords(db, [
      {
        id: "GHSA-1",
        modified: "2024-02-01T00:00:00Z",
        affected: [{ ecosystem: "npm", name: "right", fixed: "2.0.0" }],
      },
      {
        id: "GHSA-2",
        modified: "2024-02-01T00:00:00Z",
        withdrawn: "2024-02-01T00:00:00Z",
        affected: [{ ecosystem: "npm", name: "both", fixed: "1.0.0" }],
      },
      { id: "DSA-3", modified: "2023-01-01T00:00:00Z", affected: [] },
    ]);
    assert.deepEqual(findings(db, packages, debian12), ["CVE-2024-3@openssl", "GHSA-1@right"]);
    assert.deepEqual(findings(db, [deb("openssl", "3.0.8")], { id: "debian", versionId: "11", idLike: [] }), []);
    assert.equal(count(db, "match_index_stale"), 0);
    const rows = db
      .prepare<[], { name: string; ecosystem: string }>("SELECT name, ecosystem FROM match_index ORDER BY 1, 2")
      .all();
    assert.deepEqual(rows, [
      { name: "openssl", ecosystem: "Debian:11" },
      { name: "openssl", ecosystem: "Debian:12" },
      { name: "right", ecosystem: "npm" },
    ]);
  } finally {
    db.close();
  }
});

test("names an unfinished import left stale are read from the tables, and rebuilt on the next write", async () => {
  const db = openVulnDatabase(dbPath());
  await importRecords(db, [
    { id: "GHSA-1", modified: "2024-01-01T00:00:00Z", affected: [{ ecosystem: "npm", name: "pkg", fixed: "2.0.0" }] },
  ]);
  // As an import does between its batches: the tables changed, the index row did not yet.
  db.prepare("UPDATE affected SET ranges = ? WHERE name = 'pkg'").run(
    JSON.stringify([{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.0" }] }]),
  );
  db.prepare("INSERT INTO match_index_stale (base_ecosystem, name) VALUES ('npm', 'pkg')").run();
  assert.deepEqual(findings(db, [npm("pkg", "1.5.0")]), [], "the stale row says 2.0.0; the table says 1.0.0");
  assert.deepEqual(findings(db, [npm("pkg", "0.5.0")]), ["GHSA-1@pkg"]);
  db.close();
  const reopened = openVulnDatabase(dbPath());
  try {
    assert.equal(count(reopened, "match_index_stale"), 0);
    assert.deepEqual(findings(reopened, [npm("pkg", "1.5.0")]), []);
  } finally {
    reopened.close();
  }
});

test("a release is read exactly: Alpine v3.1 does not read Alpine:v3.18, from the index or from stale rows", async () => {
  const apk = (name: string, version: string): Package => ({
    ...npm(name, version),
    id: `apk:${name}@${version}`,
    ecosystem: "apk",
    purl: `pkg:apk/alpine/${name}@${version}`,
    metadata: { kind: "apk", dependencies: [], provides: [] },
  });
  const alpine = (versionId: string): Distro => ({ id: "alpine", versionId, idLike: [] });
  const db = openVulnDatabase(dbPath());
  try {
    await importRecords(db, [
      {
        id: "ALPINE-CVE-2024-1",
        modified: "2024-01-01T00:00:00Z",
        affected: [{ ecosystem: "Alpine:v3.18", name: "musl", fixed: "1.2.4-r2" }],
      },
    ]);
    const musl = [apk("musl", "1.2.4-r1")];
    assert.deepEqual(findings(db, musl, alpine("3.18.4")), ["ALPINE-CVE-2024-1@musl"]);
    assert.deepEqual(findings(db, musl, alpine("3.1.4")), []);
    db.prepare("INSERT INTO match_index_stale (base_ecosystem, name) VALUES ('Alpine', 'musl')").run();
    assert.deepEqual(findings(db, musl, alpine("3.18.4")), ["ALPINE-CVE-2024-1@musl"]);
    assert.deepEqual(findings(db, musl, alpine("3.1.4")), []);
  } finally {
    db.close();
  }
});

/** Turns the database into what Strata with schema 1 wrote: the same tables, without the index. */
function makeFormat1(path: string): void {
  const db = openVulnDatabase(path);
  db.exec(
    "DROP TABLE match_index; DROP TABLE match_index_stale; UPDATE meta SET value = '1' WHERE key = 'schema_version'",
  );
  db.close();
}

test("a database of format 1 is never read as it is: it is converted, or refused with a message", async () => {
  const db = openVulnDatabase(dbPath());
  await importRecords(db, [
    { id: "GHSA-1", modified: "2024-01-01T00:00:00Z", affected: [{ ecosystem: "npm", name: "pkg", fixed: "2.0.0" }] },
  ]);
  db.close();
  makeFormat1(dbPath());

  const readOnly = openVulnDatabase(dbPath(), { readonly: true });
  try {
    assert.throws(
      () => sqliteAdvisoryStore(readOnly),
      (error: unknown) =>
        error instanceof InputError && /has format 1, older than this Strata's \(2\)/.test(error.message),
    );
  } finally {
    readOnly.close();
  }

  // What a scan does: convert once (it needs write access), then read.
  const converted = openCurrentVulnDatabase(dbPath());
  try {
    assert.deepEqual(findings(converted, [npm("pkg", "1.0.0")]), ["GHSA-1@pkg"]);
  } finally {
    converted.close();
  }

  makeFormat1(dbPath());
  const writable = openVulnDatabase(dbPath());
  try {
    assert.equal(
      writable.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value,
      String(schemaVersion),
    );
    assert.deepEqual(findings(writable, [npm("pkg", "1.0.0")]), ["GHSA-1@pkg"]);
  } finally {
    writable.close();
  }
});

test("a database of a newer format is refused and left as it is", async () => {
  const db = openVulnDatabase(dbPath());
  db.exec("DROP TABLE match_index; UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  db.close();
  const newer = (error: unknown): boolean =>
    error instanceof InputError &&
    /has format 3, which this Strata \(format 2\) cannot read: use the newer Strata/.test(error.message);
  assert.throws(() => openVulnDatabase(dbPath()), newer);
  assert.throws(() => openCurrentVulnDatabase(dbPath()), newer);
  const readOnly = openVulnDatabase(dbPath(), { readonly: true });
  try {
    assert.throws(() => sqliteAdvisoryStore(readOnly), newer);
    const table = readOnly.prepare("SELECT 1 FROM sqlite_master WHERE name = 'match_index'").get();
    assert.equal(table, undefined, "nothing was created in it");
  } finally {
    readOnly.close();
  }
});

test("rebuilding by scanning the tables gives the rows that looking names up gives", async () => {
  const db = openVulnDatabase(dbPath());
  try {
    await importRecords(db, [
      { id: "GHSA-1", modified: "2024-01-01T00:00:00Z", affected: [{ ecosystem: "npm", name: "a", fixed: "2.0.0" }] },
      {
        id: "GHSA-2",
        modified: "2024-01-01T00:00:00Z",
        affected: [
          { ecosystem: "npm", name: "a", fixed: "3.0.0" },
          { ecosystem: "PyPI", name: "B.C", fixed: "1.0" },
        ],
      },
      {
        id: "GHSA-3",
        modified: "2024-01-01T00:00:00Z",
        withdrawn: "2024-01-02T00:00:00Z",
        affected: [{ ecosystem: "npm", name: "a", fixed: "9.0.0" }],
      },
      {
        id: "DSA-4",
        modified: "2024-01-01T00:00:00Z",
        affected: [
          { ecosystem: "Debian:12", name: "zlib", fixed: "1.2" },
          { ecosystem: "Debian:11", name: "zlib", fixed: "1.1" },
        ],
      },
    ]);
    const rows = () =>
      db.prepare("SELECT base_ecosystem, name, ecosystem, entries, versions FROM match_index ORDER BY 1, 2, 3").all();
    const markAll = () =>
      db.exec("INSERT OR IGNORE INTO match_index_stale SELECT DISTINCT base_ecosystem, name FROM affected");
    const imported = rows();
    assert.equal(imported.length, 4);
    markAll();
    assert.equal(refreshMatchIndex(db, 0), 3, "three names, read by scanning");
    assert.deepEqual(rows(), imported);
    markAll();
    assert.equal(refreshMatchIndex(db, Number.POSITIVE_INFINITY), 3, "read by looking them up");
    assert.deepEqual(rows(), imported);
    assert.match(JSON.stringify(imported), /GHSA-2/);
    assert.doesNotMatch(JSON.stringify(imported), /GHSA-3/, "withdrawn advisories are left out");
  } finally {
    db.close();
  }
});
