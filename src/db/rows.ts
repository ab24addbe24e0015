import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * A row of `table` from a hand-written statement (`db.execute`), or from a `json_agg` of its
 * rows, as the query builder would have returned it: keyed by property, each value through its
 * column's own mapping (timestamps as Date, `date` columns as 'YYYY-MM-DD', bigint ids as
 * numbers). Unlike `queryRows` (statement.ts), whose rows are as pg parses them, this also types
 * rows that come back inside json (`json_agg(a)`) and columns pg leaves as text.
 */
export function rowOf<T extends PgTable>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}
