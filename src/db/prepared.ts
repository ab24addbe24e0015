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
