import { type Kysely, type Migration, Migrator } from "kysely";
import { InternalError } from "../../src/errors.ts";
import type { DialectName } from "./dialect.ts";
import type { StrataDb } from "./tables.ts";
import * as initial from "./migrations/0001-initial.ts";
import * as upkeep from "./migrations/0002-upkeep.ts";

interface MigrationModule {
  up: (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;
  down?: (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;
}

/** Every migration, in order of their names; one set for both dialects. Add new ones at the end. */
const migrations: Record<string, MigrationModule> = {
  "0001-initial": initial,
  "0002-upkeep": upkeep,
};

/** Brings the schema up to date; Kysely's Migrator locks, so several servers may start at once. */
export async function migrateToLatest(db: StrataDb, dialect: DialectName): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: () => Promise.resolve(forDialect(dialect)),
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName ?? "unknown";
    throw new InternalError(`database migration ${failed} failed`, { cause: error });
  }
}

function forDialect(dialect: DialectName): Record<string, Migration> {
  const out: Record<string, Migration> = {};
  for (const [name, module] of Object.entries(migrations)) {
    const { down } = module;
    out[name] = {
      up: (db) => module.up(db, dialect),
      ...(down === undefined ? {} : { down: (db: Kysely<unknown>) => down(db, dialect) }),
    };
  }
  return out;
}
