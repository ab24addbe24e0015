import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { DatabaseAvailability } from '../../src/db/availability.js';
import type { Database } from '../../src/db/database.js';
import * as schema from '../../src/db/schema/index.js';

/**
 * The OpenAPI document the server serves at /v1/openapi.json, built from the same app factory
 * without a database: services only keep the pool (which connects on a first query, and none
 * is made), and the notification listener, started by ready(), fails to reach port 1 quietly
 * and is stopped by close().
 */
export async function buildOpenApiDocument(): Promise<unknown> {
  // Nothing listens on port 1; the pool would only connect on a first query, and there is none.
  const connectionString = 'postgres://unused@127.0.0.1:1/unused';
  const pool = new pg.Pool({ connectionString });
  const database: Database = {
    db: drizzle(pool, { schema }),
    pool,
    connectionString,
    kind: 'external',
    availability: new DatabaseAvailability({ pool, logger: pino({ level: 'silent' }) }),
    close: () => pool.end(),
  };
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: connectionString,
    JOURNEYBEE_SECRET_KEY: Buffer.alloc(32).toString('base64'),
  });
  const app = await buildApp({ config, database });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
    database.availability.close();
    await pool.end();
  }
}
