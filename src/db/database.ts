import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import * as schema from './schema/index.js';

/** The Drizzle database over the pool (`$client`, for statements the query builder cannot express). */
export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A transaction has the same query API as the database; services accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** Connection string of the server in use (embedded or external). */
  connectionString: string;
  /** `embedded` when Journeybee runs its own PostgreSQL in the data folder. */
  kind: 'external' | 'embedded';
  close(): Promise<void>;
}

// Embedded-postgres counts Journeybee clients by this prefix before stopping the server.
export const APPLICATION_NAME = 'journeybee';

// Timestamps come back as Date (timestamptz) and counts as numbers we cast with ::int.
export function createPool(connectionString: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: APPLICATION_NAME,
    // An API's queries are short: JIT compilation (tens of ms) costs more than it saves, and
    // the planner's estimate for a parameterised LIMIT (10% of the table) is enough to trigger it.
    options: '-c jit=off',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'idle database client error'));
  return pool;
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, config.databasePoolSize, logger);
    return {
      db: drizzle(pool, { schema }),
      pool,
      connectionString: config.databaseUrl,
      kind: 'external',
      close: () => pool.end(),
    };
  }
  const { openEmbeddedPostgres } = await import('./embedded.js');
  const embedded = await openEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const pool = createPool(embedded.connectionString, config.databasePoolSize, logger);
  return {
    db: drizzle(pool, { schema }),
    pool,
    connectionString: embedded.connectionString,
    kind: 'embedded',
    close: async () => {
      await pool.end();
      await embedded.release();
    },
  };
}
