import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { InputError } from "../../src/errors.ts";
import type { DialectName } from "./dialect.ts";
import { migrateToLatest } from "./migrate.ts";
import type { StrataDb, Tables } from "./tables.ts";

export interface BackendDatabase {
  db: StrataDb;
  dialect: DialectName;
  close(): Promise<void>;
}

const int8 = 20;
const numeric = 1700;

/**
 * Opens "sqlite:PATH" or "postgres://…" (also "postgresql://…") and migrates it to the latest schema.
 * PostgreSQL bigint and numeric values (sizes, counts, sums) are returned as numbers, like SQLite's.
 */
export async function openDatabase(url: string): Promise<BackendDatabase> {
  const { db, dialect } = connect(url);
  try {
    await migrateToLatest(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}

function connect(url: string): { db: StrataDb; dialect: DialectName } {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new InputError("sqlite: needs a file path, as in sqlite:/var/lib/strata/strata.db");
    let database: Database.Database;
    try {
      database = new Database(path);
    } catch (error) {
      throw new InputError(`cannot open SQLite database ${path}`, { cause: error });
    }
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
    database.pragma("busy_timeout = 5000");
    return { db: new Kysely<Tables>({ dialect: new SqliteDialect({ database }) }), dialect: "sqlite" };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const types = new pg.TypeOverrides();
    types.setTypeParser(int8, Number);
    types.setTypeParser(numeric, Number);
    const pool = new pg.Pool({ connectionString: url, types, max: 10 });
    // An idle connection that the server closed (a restart, a failover): the pool drops it and the
    // next query opens a new one. Without a listener the error would end the process.
    pool.on("error", () => undefined);
    return { db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }), dialect: "postgres" };
  }
  throw new InputError(`unknown database ${JSON.stringify(redact(url))}: use sqlite:PATH or postgres://…`);
}

/** Keeps a password out of error messages. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//…@");
}
