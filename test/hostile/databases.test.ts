/**
 * Hostile rpm databases: an SQLite rpmdb is a program as much as a file (views, computed columns),
 * so a few hundred bytes can loop forever or make gigabytes. Run through the CLI, in a child process
 * with a deadline, so a regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { berkeleyDb, packageHeader } from "../../src/catalogers/rpm/test-fixtures.ts";
import { dpkgStatus, gzipLayers, rawTar, runStrata, writeRawOciLayout } from "./hostile-image.ts";

function sqlite(schema: string): Buffer {
  const db = new Database(":memory:");
  try {
    db.exec(schema);
    return db.serialize();
  } finally {
    db.close();
  }
}

test("CLI: rpmdb.sqlite files whose Packages is an endless view or a computed column are refused", {
  timeout: 150_000,
}, async () => {
  const endless = sqlite(
    "CREATE VIEW Packages AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x AS hnum, x'00' AS blob FROM n",
  );
  const computed = sqlite(
    "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob AS (zeroblob(200000000))); INSERT INTO Packages (hnum) VALUES (1), (2), (3), (4), (5), (6), (7), (8)",
  );
  assert.ok(endless.length < 16_384 && computed.length < 16_384);
  const bdb = berkeleyDb([packageHeader({ name: "bash", version: "5.2", release: "1", arch: "x86_64" })]).bytes;
  const work = await mkdtemp(join(tmpdir(), "strata-hostile-rpm-"));
  try {
    const dir = join(work, "layout");
    await writeRawOciLayout(
      {
        layers: gzipLayers(
          rawTar([
            { name: "var/lib/rpm/rpmdb.sqlite", body: endless },
            { name: "usr/lib/sysimage/rpm/rpmdb.sqlite", body: computed },
            { name: "usr/lib/sysimage/rpm/Packages", body: bdb },
            { name: "var/lib/dpkg/status", body: dpkgStatus("beside-the-rpmdb") },
          ]),
        ),
      },
      dir,
    );
    const run = await runStrata("scan", `oci:${dir}`, "--no-vulns", "--no-cache", "--format", "json");
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.millis < 60_000, `took ${run.millis} ms`);
    assert.match(run.stderr, /Packages is not a plain table; not read \(\/var\/lib\/rpm\/rpmdb\.sqlite, layer 0\)/);
    assert.match(
      run.stderr,
      /Packages has computed or hidden columns; not read \(\/usr\/lib\/sysimage\/rpm\/rpmdb\.sqlite, layer 0\)/,
    );
    const inventory: unknown = JSON.parse(run.stdout);
    assert.ok(
      typeof inventory === "object" &&
        inventory !== null &&
        "packages" in inventory &&
        Array.isArray(inventory.packages),
    );
    const names = inventory.packages.map((found: unknown) =>
      typeof found === "object" && found !== null && "name" in found ? found.name : undefined,
    );
    assert.deepEqual(names.sort(), ["bash", "beside-the-rpmdb"]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
