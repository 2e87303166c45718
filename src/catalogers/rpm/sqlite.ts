// The values of an rpm SQLite database (rpmdb.sqlite, rpm 4.16 and later): table Packages(hnum, blob),
// one RPM header image per row.
import Database from "better-sqlite3";

const sqliteMagic = Buffer.from("SQLite format 3\0", "latin1");

export function isSqlite(content: Buffer): boolean {
  return content.length >= sqliteMagic.length && content.subarray(0, sqliteMagic.length).equals(sqliteMagic);
}

/**
 * Yields each header image of the Packages table, in hnum order. A database SQLite cannot read, or a
 * row that is not a blob, is pushed to `issues`; the rows read before it are still yielded.
 */
export function* sqliteValues(content: Buffer, issues: string[]): Generator<Buffer> {
  // SQLite reads a copy in memory. rpm leaves its database in WAL mode (header bytes 18 and 19 are 2),
  // which an in-memory database cannot open: mark the copy as a rollback-journal database. Pages
  // still in a -wal file beside it are not seen (rpm checkpoints on close).
  const copy = Buffer.from(content);
  if (copy.length > 19 && copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  let db: Database.Database;
  try {
    db = new Database(copy, { readonly: true });
  } catch (error) {
    issues.push(`SQLite: cannot open the database: ${message(error)}`);
    return;
  }
  try {
    // Only our own SELECT runs; views or triggers in a hostile schema must not call functions.
    db.pragma("trusted_schema = OFF");
    const refused = notAPlainTable(db);
    if (refused !== undefined) {
      issues.push(`SQLite: ${refused}; not read`);
      return;
    }
    const rows = db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").raw(true).iterate();
    for (const row of rows) {
      const [hnum, blob] = isRow(row) ? row : [];
      if (Buffer.isBuffer(blob)) yield blob;
      else issues.push(`SQLite: package ${String(hnum)} is not stored as a blob; skipped`);
    }
  } catch (error) {
    issues.push(`SQLite: cannot read the Packages table: ${message(error)}`);
  } finally {
    db.close();
  }
}

/**
 * Why Packages is not what rpm writes (a plain table): a view or a computed column runs the
 * database's own SQL on every read, which can loop forever or produce gigabytes from a small file.
 */
function notAPlainTable(db: Database.Database): string | undefined {
  const row: unknown = db
    .prepare("SELECT type, sql FROM sqlite_schema WHERE name = 'Packages' COLLATE NOCASE")
    .raw(true)
    .get();
  // No such table: the read itself says so.
  if (!isRow(row)) return undefined;
  const [type, sql] = row;
  if (type !== "table" || typeof sql !== "string" || !/^\s*CREATE\s+TABLE\b/i.test(sql)) {
    return "Packages is not a plain table";
  }
  const columns: unknown[] = db.prepare("SELECT hidden FROM pragma_table_xinfo('Packages')").pluck().all();
  if (columns.some((hidden) => hidden !== 0)) return "Packages has computed or hidden columns";
  return undefined;
}

function isRow(row: unknown): row is readonly unknown[] {
  return Array.isArray(row);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
