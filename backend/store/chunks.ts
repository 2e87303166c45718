/**
 * Splits rows for multi-row INSERTs. SQLite allows 32,766 bound values per statement and PostgreSQL 65,535;
 * 500 rows of up to 22 columns stays under both.
 */
export function* chunks<T>(rows: readonly T[], size = 500): Generator<T[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}
