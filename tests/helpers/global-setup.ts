import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Maintenance connection to the server tests run on (embedded or DATABASE_URL's). */
    adminUrl: string;
    /** A migrated database each test file clones with CREATE DATABASE … TEMPLATE. */
    templateDb: string;
    backend: 'embedded' | 'external';
    /** Prefix of this run's per-file databases (`jb_t_<run>_…`). */
    runId: string;
  }
}

const quiet = { info() {}, warn: console.warn, error: console.error };

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

// One server for the whole run: the machine's PostgreSQL when DATABASE_URL is set, otherwise
// an embedded PostgreSQL in .test-data/ (the same code path `journeybee serve` uses).
export default async function setup(project: TestProject) {
  let adminUrl: string;
  let release = async () => {};
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    await mkdir('.test-data', { recursive: true, mode: 0o755 });
    const handle = await openEmbeddedPostgres({
      dataDir: path.resolve('.test-data/embedded'),
      logger: quiet,
    });
    adminUrl = handle.adminConnectionString;
    release = () => handle.release();
  }
  const runId = randomBytes(4).toString('hex');
  const templateDb = `jb_template_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'journeybee-tests' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  const pool = new pg.Pool({ connectionString: databaseUrl(adminUrl, templateDb), max: 1 });
  await runMigrations(pool);
  await pool.end();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  project.provide('runId', runId);
  project.provide('backend', process.env.DATABASE_URL ? 'external' : 'embedded');

  return async () => {
    // Drop what this run made (files drop their own; this catches a file that crashed).
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`jb\\_t\\_${runId}\\_%`, templateDb],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    }
    await admin.end();
    await release();
  };
}
