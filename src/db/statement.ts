import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { QueryResultRow } from 'pg';
import type { Db } from './database.js';

const dialect = new PgDialect();

/**
 * Runs one hand-written statement (a command's facts or its write) on the pool and returns its
 * rows with pg's own parsing: timestamptz as Date, json as values, int4 and int[] as numbers.
 * (Drizzle's `execute` leaves timestamps as strings.) One statement needs no transaction: it
 * commits, or fails, whole.
 */
export async function queryRows<R>(db: Db, statement: SQL): Promise<R[]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const result = await db.$client.query<R & QueryResultRow>(text, params);
  return result.rows;
}

/**
 * A timestamptz as text, exactly as `Date.prototype.toISOString` writes the Date pg parses from
 * it (UTC, milliseconds truncated like pg's parser does): for payloads built in SQL.
 */
export const isoText = (timestamp: SQL): SQL =>
  sql`to_char(${timestamp} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `(SELECT array of the ids among `ids` that are rows of `table` matching `where`)`: int[]. */
export function foundIds(table: SQL, where: SQL, ids: readonly number[]): SQL<number[]> {
  if (ids.length === 0) return sql`'{}'::int[]`;
  return sql`(SELECT coalesce(array_agg(id), '{}') FROM ${table}
    WHERE ${where} AND id = ANY(${sql.param([...ids])}::int[]))`;
}

/** `unnest(ids)` as a relation, for `FROM lead l, ${unnestIds(ids)} t(id)`. */
export const unnestIds = (ids: readonly number[]) => sql`unnest(${sql.param([...ids])}::int[])`;
