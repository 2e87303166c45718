import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { apiSuite, type SuiteInputs } from "./api-suite.ts";
import { importAdvisories, scannedInventory, writeAdvisorySubsets } from "./fixtures.ts";
import { type PostgresCluster, postgresUnavailable, startPostgres } from "./postgres-cluster.ts";

let work = "";
let prepared: Promise<SuiteInputs> | undefined;

/** Scans the test image and imports the advisory subsets once, for both databases. */
function inputs(): Promise<SuiteInputs> {
  prepared ??= (async () => {
    const inventory = await scannedInventory(work);
    const zips = await writeAdvisorySubsets(work);
    const advisoryDb = join(work, "advisories.db");
    await importAdvisories(advisoryDb, [zips.debian, zips.npm]);
    return { work, inventory, advisoryDb, pypiZip: zips.pypi };
  })();
  return prepared;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-backend-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("API on SQLite", () => {
  apiSuite(() => Promise.resolve(`sqlite:${join(work, "strata.db")}`), inputs);
});

const noPostgres = await postgresUnavailable();

describe("API on PostgreSQL", { skip: noPostgres ?? false }, () => {
  let cluster: PostgresCluster | undefined;
  before(async () => {
    cluster = await startPostgres();
  });
  apiSuite(async () => {
    if (!cluster) throw new Error("the PostgreSQL cluster did not start");
    return cluster.createDatabase("strata_api_test");
  }, inputs);
  // Registered after the suite's own hooks, so that its connections are closed first.
  after(async () => {
    await cluster?.stop();
  });
});
