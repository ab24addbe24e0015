import { fillPlaceholders, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { QueryResultRow } from 'pg';
import type { Db } from './database.js';

/**
 * Builds a Drizzle prepared query once per database and reuses it: the SQL is generated a
 * single time (query building was ~20% of CPU on hot routes) and PostgreSQL parses and plans
 * the named statement once per connection. Prepared queries run on the pool, not inside a
 * transaction: use them for reads on hot paths only.
 */
export function preparedPerDb<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let query = cache.get(db);
    if (!query) {
      query = build(db);
      cache.set(db, query);
    }
    return query;
  };
}

const dialect = new PgDialect();

/** A named statement compiled from a SQL template: values fill its `sql.placeholder`s. */
export interface Statement<R> {
  execute(values: Record<string, unknown>): Promise<R[]>;
}

/**
 * Named statements built from hand-written SQL templates (for hot reads the query builder
 * cannot express, such as a literal LIMIT) and run on the pool with pg's own row parsing:
 * timestamptz as Date, json parsed, int4 as number. Each distinct statement is compiled once
 * per database; at most `limit` are named, because every named statement is kept by every
 * pooled connection: past the limit a statement runs unnamed (parsed and planned per call)
 * instead of letting a client grow the server's memory with endless filter combinations.
 */
export class StatementCache {
  private readonly perDb = new WeakMap<Db, Map<string, Statement<unknown>>>();

  constructor(private readonly limit: number) {}

  get<R>(db: Db, name: string, build: () => SQL): Statement<R> {
    const statements = this.perDb.get(db) ?? new Map<string, Statement<unknown>>();
    this.perDb.set(db, statements);
    const known = statements.get(name);
    if (known) return known as Statement<R>;
    const { sql: text, params } = dialect.sqlToQuery(build());
    const named = statements.size < this.limit;
    const statement: Statement<R> = {
      async execute(values) {
        const config = { text, values: fillPlaceholders(params, values) };
        const result = await db.$client.query<R & QueryResultRow>(named ? { ...config, name } : config);
        return result.rows;
      },
    };
    if (named) statements.set(name, statement as Statement<unknown>);
    return statement;
  }
}
