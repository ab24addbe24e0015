import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/app.js';
import { type CustomTestApp, startCustomApp } from '../helpers/custom-app.js';
import { makeTenant } from '../helpers/factories.js';

// Contract row "errors": every error — unknown route (404), wrong method (405), crash (500) —
// is JSON with a human-readable `error`; validation errors add `details[].path`; a 500 never
// shows a stack trace or SQL.

let t: TestApp;
let crashy: CustomTestApp;
let drop: () => Promise<void>;

const SECRET_SQL = 'SELECT secret FROM api_keys WHERE key_hash = $1';

/** Routes that fail in the ways production code can, added before the app listens. */
function addFailingRoutes(app: FastifyInstance, database: TestApp['database']) {
  const zapp = app.withTypeProvider<ZodTypeProvider>();
  zapp.get('/v1/boom', async () => {
    throw new Error(`query failed: ${SECRET_SQL}`);
  });
  zapp.get('/v1/boom-sql', async () => {
    await database.pool.query('SELECT secret FROM no_such_table_xyz');
    return {};
  });
  zapp.get('/v1/boom-non-error', async () => {
    throw `raw string thrown: ${SECRET_SQL}`;
  });
  zapp.get('/v1/boom-sync', () => {
    const crash: { deep?: { field: string } } = {};
    return crash.deep!.field;
  });
  zapp.get(
    '/v1/boom-serialization',
    { schema: { response: { 200: z.object({ id: z.number(), secret_hash: z.never().optional() }) } } },
    async () => ({ id: 'not-a-number', secret_hash: 'deadbeef' }) as never,
  );
  zapp.post(
    '/v1/nested',
    {
      schema: {
        body: z.strictObject({
          name: z.string(),
          customFields: z.array(z.object({ customFieldId: z.number().int(), value: z.string() })),
        }),
      },
    },
    async () => ({ ok: true }),
  );
}

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  // This file sends one unauthenticated request per (route, method) pair; the per-IP limit
  // has its own tests in rate-limit.test.ts and must not cut this table short.
  t = await startTestApp(db.url, { RATE_LIMIT_IP_PER_MINUTE: '100000' });
  crashy = await startCustomApp(db.url, { configure: (app, deps) => addFailingRoutes(app, deps.database) });
});

afterAll(async () => {
  await t?.close();
  await crashy?.close();
  await drop?.();
});

const JSON_UTF8 = 'application/json; charset=utf-8';
const INTERNAL = { error: 'Internal server error', code: 'internal' };
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

describe('errors: unknown routes → 404 JSON', () => {
  it.each([
    ['/nope', 'GET', 'Route GET /nope not found'],
    ['/v1/nope', 'GET', 'Route GET /v1/nope not found'],
    ['/api/v1/nope', 'POST', 'Route POST /api/v1/nope not found'],
    ['/v2/users', 'GET', 'Route GET /v2/users not found'],
    ['/api/v2/users', 'GET', 'Route GET /api/v2/users not found'],
    ['/v1/users/1/extra', 'GET', 'Route GET /v1/users/1/extra not found'],
    ['/V1/users', 'GET', 'Route GET /V1/users not found'],
    ['/v1/nope?token=should-not-echo', 'DELETE', 'Route DELETE /v1/nope not found'],
  ])('%s (%s)', async (path, method, message) => {
    const res = await t.api.request(method, path);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: message, code: 'not_found' });
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('does not need a key, and a key does not change the answer', async () => {
    const { writeKey } = await makeTenant(t.database.db);
    const anonymous = await t.api.get('/v1/leads-that-do-not-exist');
    const keyed = await t.api.get('/v1/leads-that-do-not-exist', { key: writeKey });
    expect(keyed.status).toBe(404);
    expect(keyed.body).toEqual(anonymous.body);
  });
});

describe('errors: wrong method on a known path → 405 JSON with Allow', () => {
  it.each([
    ['PUT', '/v1/users/1', ['GET', 'HEAD', 'PATCH', 'DELETE']],
    ['DELETE', '/v1/users', ['GET', 'HEAD', 'POST']],
    ['POST', '/api/v1/users/1', ['GET', 'HEAD', 'PATCH', 'DELETE']],
    ['POST', '/healthz', ['GET', 'HEAD']],
    ['DELETE', '/readyz', ['GET', 'HEAD']],
    ['POST', '/metrics', ['GET', 'HEAD']],
    ['POST', '/v1/openapi.json', ['GET', 'HEAD']],
    ['PUT', '/v1/users/', ['GET', 'HEAD', 'POST']],
  ])('%s %s', async (method, path, allowed) => {
    const res = await t.api.request(method, path);
    expect(res.status).toBe(405);
    expect(res.body).toEqual({
      error: `Method ${method} is not allowed on this path`,
      code: 'method_not_allowed',
    });
    expect(new Set(res.headers.get('allow')?.split(', '))).toEqual(new Set(allowed));
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
  });

  it('holds for every route the server registers (every method it does not serve)', async () => {
    const byUrl = new Map<string, Set<string>>();
    for (const r of t.app.routeTable.routes) {
      if (r.url.startsWith('/docs')) continue; // the UI's static files belong to @fastify/swagger-ui
      const methods = byUrl.get(r.url) ?? new Set<string>();
      methods.add(r.method);
      byUrl.set(r.url, methods);
    }
    expect(byUrl.size).toBeGreaterThan(4);
    // A static path beside a parametric one (`/v1/leads/export.csv`, `/v1/leads/:id`): a method
    // only the parametric route has is that route's (PATCH /v1/leads/export.csv is a lead id that
    // is not one, a 404 behind authentication), not a 405.
    const takenBy = (method: string, path: string, own: string) =>
      [...byUrl].some(
        ([other, methods]) =>
          other !== own &&
          methods.has(method) &&
          new RegExp(`^${other.replace(/[.]/g, '\\.').replace(/:[A-Za-z_]+/g, '[^/]+')}$`).test(path),
      );
    let shadowed = 0;
    for (const [url, methods] of byUrl) {
      const path = url.replace(/:[A-Za-z_]+/g, '1');
      for (const method of ALL_METHODS.filter((m) => !methods.has(m))) {
        if (!url.includes(':') && takenBy(method, path, url)) {
          shadowed++;
          // Routed to the parametric route, which asks for a key first.
          expect((await t.api.request(method, path)).status, `${method} ${url}`).toBe(401);
          continue;
        }
        const res = await t.api.request(method, path);
        const what = `${method} ${url}`;
        expect(res.status, what).toBe(405);
        expect(new Set(res.headers.get('allow')?.split(', ')), what).toEqual(methods);
        if (method !== 'HEAD') expect(res.body.code, what).toBe('method_not_allowed');
      }
    }
    // Today: the CSV paths beside /v1/leads/:id, /v1/partners/:id, /v1/deals/:id (and aliases).
    expect(shadowed).toBeGreaterThan(0);
  });
});

describe('errors: crashes → 500 without internals', () => {
  it.each([
    ['a thrown Error', '/v1/boom'],
    ['a failed SQL statement', '/v1/boom-sql'],
    ['a thrown non-Error', '/v1/boom-non-error'],
    ['a TypeError in a sync handler', '/v1/boom-sync'],
    ['a response that does not match its schema', '/v1/boom-serialization'],
  ])('%s', async (_name, path) => {
    const res = await crashy.api.get(path, { headers: { 'x-request-id': `crash-${path.slice(4)}` } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual(INTERNAL);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.headers.get('x-request-id')).toBe(`crash-${path.slice(4)}`);
    for (const leak of [
      'SELECT',
      'secret',
      'no_such_table',
      'deadbeef',
      'stack',
      '.ts:',
      'at ',
      'TypeError',
    ]) {
      expect(res.text).not.toContain(leak);
    }
  });

  it('logs the real error for operators, under the request id', async () => {
    const res = await crashy.api.get('/v1/boom', { headers: { 'x-request-id': 'crash-log-1' } });
    expect(res.status).toBe(500);
    const errorLines = crashy.logs.forRequest('crash-log-1').filter((l) => Number(l.level) >= 50);
    expect(errorLines).toHaveLength(1);
    expect(JSON.stringify(errorLines[0])).toContain('SELECT secret FROM api_keys');
  });
});

describe('errors: validation details', () => {
  it('name the field with a path, body-wide', async () => {
    const { writeKey } = await makeTenant(t.database.db);
    const res = await t.api.post('/v1/users', {
      key: writeKey,
      body: { email: 'not-an-email', color: 'red' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Invalid field 'email': must be a valid email address",
      code: 'bad_request',
      details: [
        { path: 'email', message: 'must be a valid email address' },
        { path: 'color', message: 'must be a hex color such as #6B7280' },
      ],
    });
  });

  it.each([
    [
      'a missing required field',
      { first_name: 'x' },
      { path: 'email', message: expect.stringMatching(/.+/) },
      /^Invalid field 'email': /,
    ],
    [
      'unknown fields',
      { email: 'a@b.test', is_admin: true, company_id: 2 },
      { path: 'is_admin', message: "Unknown field 'is_admin'" },
      /^Unknown fields: is_admin, company_id$/,
    ],
    [
      'a wrong type',
      { email: 42 },
      { path: 'email', message: expect.stringMatching(/.+/) },
      /^Invalid field 'email': /,
    ],
  ])('%s', async (_name, body, firstDetail, message) => {
    const { writeKey } = await makeTenant(t.database.db);
    const res = await t.api.post('/v1/users', { key: writeKey, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('bad_request');
    expect(res.body.error).toMatch(message);
    expect(res.body.details[0]).toEqual(firstDetail);
  });

  it('name query parameters; a path id that names no object is a 404', async () => {
    const { readKey } = await makeTenant(t.database.db);
    const missing = await t.api.get('/v1/users/2147483647', { key: readKey });
    expect(missing.status).toBe(404);
    for (const id of ['abc', '2147483648']) {
      const res = await t.api.get(`/v1/users/${id}`, { key: readKey });
      expect(res.status, id).toBe(404);
      expect(res.body, id).toEqual(missing.body);
    }
    const unknown = await t.api.get('/v1/users?colour=red', { key: readKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: 'Unknown query parameter: colour',
      code: 'bad_request',
      details: [{ path: 'colour', message: "Unknown field 'colour'" }],
    });
  });

  it('give nested paths as customFields[1].value', async () => {
    const res = await crashy.api.post('/v1/nested', {
      body: {
        name: 'n',
        customFields: [
          { customFieldId: 1, value: 'ok' },
          { customFieldId: 2, value: 7 },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('bad_request');
    expect(res.body.error).toMatch(/^Invalid field 'customFields\[1\]\.value': /);
    expect(res.body.details).toEqual([{ path: 'customFields[1].value', message: expect.any(String) }]);

    const unknownNested = await crashy.api.post('/v1/nested', {
      body: { name: 'n', customFields: [], extra: { a: 1 } },
    });
    expect(unknownNested.status).toBe(400);
    expect(unknownNested.body.details).toEqual([{ path: 'extra', message: "Unknown field 'extra'" }]);
  });
});
