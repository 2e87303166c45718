import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { scannedInventory, writeAdvisorySubsets } from "./fixtures.ts";
import { type PostgresCluster, postgresUnavailable, startPostgres } from "./postgres-cluster.ts";
import { tokenSuite } from "./token-suite.ts";
import { type UpkeepInputs, upkeepSuite } from "./upkeep-suite.ts";

let work = "";
let prepared: Promise<UpkeepInputs> | undefined;

/** Scans the test image and writes the advisory subsets once, for both databases. */
function inputs(): Promise<UpkeepInputs> {
  prepared ??= (async () => ({
    work,
    inventory: await scannedInventory(work),
    zips: await writeAdvisorySubsets(work),
  }))();
  return prepared;
}

const emptyAdvisories = () => Promise.resolve(join(work, `empty-${Math.random().toString(36).slice(2)}.db`));

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-upkeep-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("keeping the posture current and managing tokens on SQLite", () => {
  const sqlite = (name: string) => Promise.resolve(`sqlite:${join(work, `${name}.db`)}`);
  describe("posture", () => {
    upkeepSuite(sqlite, inputs);
  });
  describe("tokens", () => {
    tokenSuite(sqlite, emptyAdvisories);
  });
});

const noPostgres = await postgresUnavailable();

describe("keeping the posture current and managing tokens on PostgreSQL", { skip: noPostgres ?? false }, () => {
  let cluster: PostgresCluster | undefined;
  before(async () => {
    cluster = await startPostgres();
  });
  const postgres = async (name: string) => {
    if (!cluster) throw new Error("the PostgreSQL cluster did not start");
    return cluster.createDatabase(name);
  };
  describe("posture", () => {
    upkeepSuite(postgres, inputs);
  });
  describe("tokens", () => {
    tokenSuite(postgres, emptyAdvisories);
  });
  // Registered after the suites' own hooks, so that their connections are closed first.
  after(async () => {
    await cluster?.stop();
  });
});
