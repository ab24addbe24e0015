import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { generateApiKey } from '../../src/modules/api-keys/api-keys.crypto.js';
import { startTestApp, type TestApp, uniq, useTestApp } from '../helpers/app.js';
import { databaseUrl } from '../helpers/global-setup.js';

// Meta endpoints /healthz (process up) and /readyz (database reachable and migrated), and a
// database outage answered as 503 JSON — quickly, never a crash or a hang.

const ctx = useTestApp();

const UNREACHABLE_URL = 'postgres://postgres@127.0.0.1:1/nothing';
const UNAVAILABLE = { error: 'Service unavailable: the database cannot be reached', code: 'unavailable' };

/** Runs `fn` against an app whose database cannot be reached. */
async function withUnreachableDatabase(fn: (app: TestApp) => Promise<void>) {
  const app = await startTestApp(UNREACHABLE_URL);
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

/** An empty database (no migrations) on the test server, dropped afterwards. */
async function withEmptyDatabase(fn: (url: string) => Promise<void>) {
  // Named like the run's databases, so global teardown drops it if this file crashes.
  const name = `jb_t_${inject('runId')}_${uniq()}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await fn(databaseUrl(inject('adminUrl'), name));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

describe('health: probes', () => {
  it('/healthz is 200 {"status":"ok"} without a key', async () => {
    const res = await ctx.t.api.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await ctx.t.api.request('HEAD', '/healthz')).status).toBe(200);
  });

  it('/readyz is 200 {"status":"ready"} on a migrated database', async () => {
    const res = await ctx.t.api.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('/readyz is 503 on a reachable database that is not migrated; /healthz stays 200', async () => {
    await withEmptyDatabase(async (url) => {
      const app = await startTestApp(url);
      try {
        const res = await app.api.get('/readyz');
        expect(res.status).toBe(503);
        expect(res.body).toEqual({
          error: 'Service unavailable: database migrations are not applied',
          code: 'unavailable',
        });
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect((await app.api.get('/healthz')).status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
});

describe('health: database unreachable', () => {
  it('/readyz answers 503 JSON promptly; /healthz still 200', async () => {
    await withUnreachableDatabase(async (app) => {
      const { value: res, ms } = await timed(() => app.api.get('/readyz'));
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(ms).toBeLessThan(5_000);
      expect((await app.api.get('/healthz')).body).toEqual({ status: 'ok' });
    });
  });

  it('an authenticated request answers 503 JSON with Retry-After, not a crash or a hang', async () => {
    await withUnreachableDatabase(async (app) => {
      const key = generateApiKey();
      for (const send of [
        () => app.api.get('/v1/users', { key }),
        () => app.api.post('/v1/users', { key, body: { email: 'a@b.test' } }),
        () => app.api.get('/api/v1/users/1', { key }),
      ]) {
        const { value: res, ms } = await timed(send);
        expect(res.status).toBe(503);
        expect(res.body).toEqual(UNAVAILABLE);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
        expect(ms).toBeLessThan(5_000);
      }
      // The process survived: it still answers.
      expect((await app.api.get('/healthz')).status).toBe(200);
      // Requests that need no database are unaffected.
      expect((await app.api.get('/v1/users')).status).toBe(401);
      expect((await app.api.get('/v1/openapi.json')).status).toBe(200);
    });
  });
});
