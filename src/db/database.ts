import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { DatabaseAvailability } from './availability.js';
import { isDatabaseUnavailable } from './errors.js';
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
  /** Whether the database answers; connection-class failures are reported to it (db/availability.ts). */
  availability: DatabaseAvailability;
  close(): Promise<void>;
}

// Embedded-postgres counts Journeybee clients by this prefix before stopping the server.
export const APPLICATION_NAME = 'journeybee';

/**
 * How long a query waits for a connection (a new one, or a free one of the pool). A stopped
 * PostgreSQL refuses a connect at once, whatever this says; the bound matters for a host that
 * drops packets, and for a pool or database too busy to hand out a connection. While the
 * database is known to be down (db/availability.ts) it is OUTAGE_CONNECT_TIMEOUT_MS, so no request
 * of an outage waits more than a second; otherwise the longer NORMAL_CONNECT_TIMEOUT_MS, so a
 * loaded machine (TLS and SCRAM handshakes, backend start-up) is not mistaken for an outage.
 */
export const NORMAL_CONNECT_TIMEOUT_MS = 5_000;
export const OUTAGE_CONNECT_TIMEOUT_MS = 1_000;

/** The pool's connect bound follows the availability: short while the database is down. */
function adaptConnectTimeout(pool: pg.Pool): (up: boolean) => void {
  return (up) => {
    // pg-pool reads its options at each connect, and hands them to each new client.
    (pool.options as { connectionTimeoutMillis?: number }).connectionTimeoutMillis = up
      ? NORMAL_CONNECT_TIMEOUT_MS
      : OUTAGE_CONNECT_TIMEOUT_MS;
  };
}

// Timestamps come back as Date (timestamptz) and counts as numbers we cast with ::int.
export function createPool(connectionString: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: APPLICATION_NAME,
    // An API's queries are short: JIT compilation (tens of ms) costs more than it saves, and
    // the planner's estimate for a parameterised LIMIT (10% of the table) is enough to trigger it.
    options: '-c jit=off',
    connectionTimeoutMillis: NORMAL_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // A database host that vanished without closing its connections: the kernel finds out.
    keepAlive: true,
  });
  // An idle client losing its connection (database restart) must not crash the process. Each
  // pooled connection reports it: an outage is logged once by db/availability.ts instead.
  pool.on('error', (err) => {
    const level = isDatabaseUnavailable(err) ? 'debug' : 'warn';
    logger[level]({ err: { message: err.message } }, 'idle database client error');
  });
  // Nor may a checked-out client's (pg-pool listens only while a client is idle): its socket
  // dying between two queries of a transaction emits 'error' with nobody listening. The query in
  // flight, and every later one, fails with the error, and the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, config.databasePoolSize, logger);
    const availability = new DatabaseAvailability({ pool, logger, onChange: adaptConnectTimeout(pool) });
    return {
      db: drizzle(pool, { schema }),
      pool,
      connectionString: config.databaseUrl,
      kind: 'external',
      availability,
      close: () => {
        availability.close();
        return pool.end();
      },
    };
  }
  const { openEmbeddedPostgres } = await import('./embedded.js');
  const embedded = await openEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const pool = createPool(embedded.connectionString, config.databasePoolSize, logger);
  // Our own PostgreSQL died (killed, out of memory, stopped by hand): start it again ourselves.
  const availability = new DatabaseAvailability({
    pool,
    logger,
    onChange: adaptConnectTimeout(pool),
    revive: () => embedded.revive(),
  });
  return {
    db: drizzle(pool, { schema }),
    pool,
    connectionString: embedded.connectionString,
    kind: 'embedded',
    availability,
    close: async () => {
      availability.close();
      await pool.end();
      await embedded.release();
    },
  };
}
