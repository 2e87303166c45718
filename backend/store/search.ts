import { type RawBuilder, type SqlBool, sql } from "kysely";

/** A case-insensitive substring match that treats % and _ in the user's text literally. */
export function contains(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}
