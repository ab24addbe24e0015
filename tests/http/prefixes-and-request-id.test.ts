import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp, uniq } from '../helpers/app.js';
import { type CustomTestApp, startCustomApp } from '../helpers/custom-app.js';
import { makeTenant } from '../helpers/factories.js';

// Contract rows "base path" / "versioning" (/v1 and /api/v1 serve the same thing) and
// "request ids" (X-Request-Id on every response, a sane client id echoed, and in the logs).

let t: TestApp;
let logged: CustomTestApp;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  t = await startTestApp(db.url);
  logged = await startCustomApp(db.url);
});

afterAll(async () => {
  await t?.close();
  await logged?.close();
  await drop?.();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Status and exact body bytes (X-Request-Id and rate-limit headers differ per request). */
const sameShape = (res: { status: number; text: string }) => ({ status: res.status, text: res.text });

describe('prefixes: /v1 and /api/v1 are the same API', () => {
  it('read: the same list, the same object, the same errors', async () => {
    const { readKey, admin } = await makeTenant(t.database.db);
    const paths = [
      '/users',
      '/users?pageSize=1&page=1',
      `/users/${admin.id}`,
      '/users/2147483647',
      '/users/abc',
      '/users?pageSize=0',
    ];
    for (const path of paths) {
      const a = await t.api.get(`/v1${path}`, { key: readKey });
      const b = await t.api.get(`/api/v1${path}`, { key: readKey });
      expect(sameShape(b), path).toEqual(sameShape(a));
    }
    for (const path of ['/users', '/nope']) {
      const a = await t.api.get(`/v1${path}`);
      const b = await t.api.get(`/api/v1${path}`);
      expect(b.status, path).toBe(a.status);
      expect(b.body.code, path).toBe(a.body.code);
    }
    const forbiddenA = await t.api.post('/v1/users', {
      key: readKey,
      body: { email: `p-${uniq()}@ex.test` },
    });
    const forbiddenB = await t.api.post('/api/v1/users', {
      key: readKey,
      body: { email: `p-${uniq()}@ex.test` },
    });
    expect(sameShape(forbiddenB)).toEqual(sameShape(forbiddenA));
  });

  it('write: what one prefix creates, changes and deletes, the other sees', async () => {
    const { writeKey } = await makeTenant(t.database.db);
    const created = await t.api.post('/api/v1/users', {
      key: writeKey,
      body: { email: `p-${uniq()}@ex.test` },
    });
    expect(created.status).toBe(201);
    expect((await t.api.get(`/v1/users/${created.body.id}`, { key: writeKey })).body).toEqual(created.body);

    const patched = await t.api.patch(`/v1/users/${created.body.id}`, {
      key: writeKey,
      body: { position: 'P' },
    });
    expect(patched.status).toBe(200);
    expect((await t.api.get(`/api/v1/users/${created.body.id}`, { key: writeKey })).body).toEqual(
      patched.body,
    );

    expect((await t.api.delete(`/api/v1/users/${created.body.id}`, { key: writeKey })).status).toBe(204);
    expect((await t.api.delete(`/v1/users/${created.body.id}`, { key: writeKey })).status).toBe(404);

    // A duplicate across prefixes is still a duplicate.
    const email = `p-${uniq()}@ex.test`;
    expect((await t.api.post('/v1/users', { key: writeKey, body: { email } })).status).toBe(201);
    expect((await t.api.post('/api/v1/users', { key: writeKey, body: { email } })).status).toBe(409);
  });

  it('one key has one rate-limit budget across both prefixes', async () => {
    const { readKey } = await makeTenant(t.database.db);
    const remaining: string[] = [];
    for (const prefix of ['/v1', '/api/v1', '/v1', '/api/v1']) {
      remaining.push(
        (await t.api.get(`${prefix}/users`, { key: readKey })).headers.get('x-ratelimit-remaining')!,
      );
    }
    expect(remaining).toEqual(['99', '98', '97', '96']);
  });

  it('the OpenAPI document is served under both', async () => {
    const a = await t.api.get('/v1/openapi.json');
    const b = await t.api.get('/api/v1/openapi.json');
    expect(a.status).toBe(200);
    expect(b.text).toBe(a.text);
  });

  it('other versions do not exist', async () => {
    for (const path of ['/v2/users', '/api/v2/users', '/users', '/api/users', '/v0/users']) {
      const res = await t.api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.code, path).toBe('not_found');
    }
  });
});

describe('request ids', () => {
  it('every response carries a fresh X-Request-Id: successes, errors, 404s, 405s, probes, docs', async () => {
    const { writeKey, readKey, admin } = await makeTenant(t.database.db);
    const requests: [string, () => Promise<{ status: number; headers: Headers }>][] = [
      ['200', () => t.api.get('/v1/users', { key: readKey })],
      ['201', () => t.api.post('/v1/users', { key: writeKey, body: { email: `r-${uniq()}@ex.test` } })],
      ['204', () => t.api.delete(`/v1/users/${admin.id}`, { key: writeKey })],
      ['400', () => t.api.get('/v1/users?page=0', { key: readKey })],
      ['401', () => t.api.get('/v1/users')],
      ['403', () => t.api.post('/v1/users', { key: readKey, body: {} })],
      ['404 object', () => t.api.get('/v1/users/2147483647', { key: readKey })],
      ['404 route', () => t.api.get('/v1/nothing-here')],
      ['404 outside /v1', () => t.api.get('/favicon.ico')],
      ['405', () => t.api.request('PUT', '/v1/users')],
      [
        '415',
        () =>
          t.api.post('/v1/users', { key: writeKey, rawBody: 'x', headers: { 'content-type': 'text/plain' } }),
      ],
      ['HEAD', () => t.api.request('HEAD', '/v1/users', { key: readKey })],
      ['healthz', () => t.api.get('/healthz')],
      ['readyz', () => t.api.get('/readyz')],
      ['metrics', () => t.api.get('/metrics')],
      ['openapi', () => t.api.get('/v1/openapi.json')],
      ['docs', () => t.api.get('/docs')],
    ];
    const ids = new Set<string>();
    for (const [name, send] of requests) {
      const res = await send();
      const id = res.headers.get('x-request-id');
      expect(id, name).toMatch(UUID);
      ids.add(id!);
    }
    expect(ids.size).toBe(requests.length);
  });

  it.each([
    ['a short token', 'abc'],
    ['a UUID', '0b7c9a4e-3f51-4c8e-9d0a-2a6f4b1c7e93'],
    ['a trace-like id', 'trace_01HZX.span-42:svc@host/a+b='],
    ['128 characters', 'r'.repeat(128)],
  ])('echoes a sane client id (%s), on success and on error', async (_name, sent) => {
    const { readKey } = await makeTenant(t.database.db);
    const ok = await t.api.get('/v1/users', { key: readKey, headers: { 'x-request-id': sent } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe(sent);
    const notFound = await t.api.get('/v1/nope', { headers: { 'x-request-id': sent } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toBe(sent);
    const unauthorized = await t.api.get('/v1/users', { headers: { 'x-request-id': sent } });
    expect(unauthorized.headers.get('x-request-id')).toBe(sent);
  });

  it.each([
    ['129 characters', 'r'.repeat(129)],
    ['500 characters', 'x'.repeat(500)],
    ['spaces', 'has spaces in it'],
    ['a header injection attempt', 'abc%0d%0aSet-Cookie:x=1'],
    ['markup', '<script>alert(1)</script>'],
    ['quotes and semicolons', 'a";b'],
    ['an empty value', ''],
  ])('replaces an insane client id (%s) with a fresh one', async (_name, sent) => {
    const { readKey } = await makeTenant(t.database.db);
    const res = await t.api.get('/v1/users', { key: readKey, headers: { 'x-request-id': sent } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
    expect(res.headers.get('x-request-id')).not.toBe(sent);
  });

  it('appears in the logs of the request, and the key does not', async () => {
    const { writeKey } = await makeTenant(logged.database.db);
    const sent = `log-${uniq()}`;
    const res = await logged.api.post('/v1/users', {
      key: writeKey,
      body: { email: `l-${uniq()}@ex.test` },
      headers: { 'x-request-id': sent, 'idempotency-key': `idem-${uniq()}` },
    });
    expect(res.status).toBe(201);
    const lines = logged.logs.forRequest(sent);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => JSON.stringify(l).includes('/v1/users'))).toBe(true);

    const minted = await logged.api.get('/v1/users', { key: writeKey });
    const mintedId = minted.headers.get('x-request-id');
    expect(logged.logs.forRequest(mintedId)).not.toHaveLength(0);
    expect(logged.logs.text()).not.toContain(writeKey);
    expect(logged.logs.text()).not.toContain(writeKey.slice(7));
  });
});
