import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/modules/api-keys/api-keys.crypto.js';
import {
  type ApiClient,
  type ApiResponse,
  startTestApp,
  type TestApp,
  uniq,
  useTestApp,
} from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { countUsers } from '../helpers/queries.js';

// Contract row "rate limit": 100 requests per minute per API key (RATE_LIMIT_PER_MINUTE),
// headers on every authenticated response, 429 with Retry-After, failed-auth requests limited
// per IP (RATE_LIMIT_IP_PER_MINUTE), health probes, /docs and the OpenAPI document never
// limited, and — with REDIS_URL — one budget shared exactly by several server processes. No
// test waits for a window to pass: each uses fresh keys, or its own app (own counters) when it
// spends an IP budget.

const ctx = useTestApp();

/** Starts an extra app on this file's database for one test, and always closes it. */
async function withApp<T>(env: Record<string, string>, fn: (app: TestApp) => Promise<T>): Promise<T> {
  const app = await startTestApp(ctx.dbUrl, env);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

const limited = (limit: number) => ({
  error: `Rate limit exceeded: ${limit} requests per minute`,
  code: 'rate_limited',
});

function rateHeaders(res: ApiResponse) {
  return {
    limit: res.headers.get('x-ratelimit-limit'),
    remaining: res.headers.get('x-ratelimit-remaining'),
    reset: Number(res.headers.get('x-ratelimit-reset')),
  };
}

function expectResetWithinWindow(value: string | number | null) {
  const n = Number(value);
  expect(Number.isInteger(n), `integer seconds, got ${value}`).toBe(true);
  expect(n).toBeGreaterThanOrEqual(1);
  expect(n).toBeLessThanOrEqual(60);
}

function expect429(res: ApiResponse, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual(limited(limit));
  expectResetWithinWindow(res.headers.get('retry-after'));
  expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
}

/** Sends `n` authenticated GETs one after another; each must pass, counting down from `firstRemaining`. */
async function spend(api: ApiClient, key: string, n: number, limit: number, firstRemaining: number) {
  for (let i = 0; i < n; i++) {
    const res = await api.get('/v1/users', { key });
    expect(res.status, `request ${i + 1}`).toBe(200);
    const h = rateHeaders(res);
    expect(h.limit).toBe(String(limit));
    expect(h.remaining, `request ${i + 1}`).toBe(String(firstRemaining - i));
    expectResetWithinWindow(h.reset);
  }
}

describe('rate limit: per API key', () => {
  it('lets exactly 100 requests through in a minute; the 101st is 429 with Retry-After', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    await spend(ctx.t.api, writeKey, 100, 100, 99);

    expect429(await ctx.t.api.get('/v1/users', { key: writeKey }), 100);
    // Still limited, and a limited write does no work.
    const usersBefore = await countUsers(ctx.t.database.db, company.id);
    const write = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      body: { email: `rl-${uniq()}@ex.test` },
    });
    expect429(write, 100);
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(usersBefore);
  });

  it('counts per key: a second key of the same company keeps its own full budget', async () => {
    const { writeKey, readKey } = await makeTenant(ctx.t.database.db);
    await spend(ctx.t.api, writeKey, 100, 100, 99);
    expect429(await ctx.t.api.get('/v1/users', { key: writeKey }), 100);

    const other = await ctx.t.api.get('/v1/users', { key: readKey });
    expect(other.status).toBe(200);
    expect(rateHeaders(other)).toMatchObject({ limit: '100', remaining: '99' });
  });

  it('puts X-RateLimit-* on every authenticated response, whatever its status, counting down', async () => {
    const { writeKey, readKey, admin } = await makeTenant(ctx.t.database.db);
    const steps: [string, () => Promise<ApiResponse>, number][] = [
      ['list', () => ctx.t.api.get('/v1/users', { key: writeKey }), 200],
      [
        'create',
        () => ctx.t.api.post('/v1/users', { key: writeKey, body: { email: `h-${uniq()}@ex.test` } }),
        201,
      ],
      ['missing user', () => ctx.t.api.get('/v1/users/2147483647', { key: writeKey }), 404],
      [
        'invalid body',
        () => ctx.t.api.patch(`/v1/users/${admin.id}`, { key: writeKey, body: { color: 'red' } }),
        400,
      ],
      [
        'wrong content type',
        () =>
          ctx.t.api.post('/v1/users', {
            key: writeKey,
            rawBody: 'x',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
      ],
      ['bad page', () => ctx.t.api.get('/v1/users?page=0', { key: writeKey }), 400],
      ['via /api/v1', () => ctx.t.api.get(`/api/v1/users/${admin.id}`, { key: writeKey }), 200],
    ];
    for (const [i, [name, send, status]] of steps.entries()) {
      const res = await send();
      expect(res.status, name).toBe(status);
      expect(rateHeaders(res).limit, name).toBe('100');
      expect(rateHeaders(res).remaining, name).toBe(String(99 - i));
      expectResetWithinWindow(rateHeaders(res).reset);
    }
    const forbidden = await ctx.t.api.delete(`/v1/users/${admin.id}`, { key: readKey });
    expect(forbidden.status).toBe(403);
    expect(rateHeaders(forbidden)).toMatchObject({ limit: '100', remaining: '99' });
  });

  it('RATE_LIMIT_PER_MINUTE overrides the per-key budget', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '5' }, async (app) => {
      const { writeKey } = await makeTenant(app.database.db);
      await spend(app.api, writeKey, 5, 5, 4);
      expect429(await app.api.get('/v1/users', { key: writeKey }), 5);
    });
  });
});

describe('rate limit: per client IP for unauthenticated and failed requests', () => {
  it('with the defaults, 100 failed attempts pass as 401; then 429, while a valid key still works', async () => {
    await withApp({}, async (app) => {
      const { writeKey } = await makeTenant(app.database.db);
      const attempts = [
        () => app.api.get('/v1/users'),
        () => app.api.get('/v1/users', { key: generateApiKey() }),
        () => app.api.get('/v1/users', { headers: { authorization: 'Bearer nonsense' } }),
      ];
      for (let i = 0; i < 100; i++) {
        const res = await attempts[i % attempts.length]!();
        expect(res.status, `attempt ${i + 1}`).toBe(401);
        expect(rateHeaders(res).remaining, `attempt ${i + 1}`).toBe(String(99 - i));
      }
      for (const attempt of attempts) expect429(await attempt(), 100);
      // Other unauthenticated requests from the same IP share that budget…
      expect429(await app.api.get('/v1/no-such-route'), 100);
      // …and a spoofed X-Forwarded-For does not buy a new one (TRUST_PROXY is off by default).
      expect429(await app.api.get('/v1/users', { headers: { 'x-forwarded-for': '203.0.113.9' } }), 100);

      // A valid key from the same IP is limited by its own budget only.
      const ok = await app.api.get('/v1/users', { key: writeKey });
      expect(ok.status).toBe(200);
      expect(rateHeaders(ok)).toMatchObject({ limit: '100', remaining: '99' });

      // Load balancers can still probe, and Prometheus scrape.
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const res = await app.api.get(path);
        expect(res.status, path).toBe(200);
      }
    });
  });

  it('RATE_LIMIT_IP_PER_MINUTE overrides the IP budget; successful requests and health probes do not spend it', async () => {
    await withApp({ RATE_LIMIT_IP_PER_MINUTE: '3' }, async (app) => {
      const { readKey } = await makeTenant(app.database.db);
      for (let i = 0; i < 10; i++) {
        expect((await app.api.get('/v1/users', { key: readKey })).status).toBe(200);
        expect((await app.api.get('/healthz')).status).toBe(200);
        expect((await app.api.get('/readyz')).status).toBe(200);
      }
      for (let i = 0; i < 3; i++) {
        const res = await app.api.get('/v1/users', { key: generateApiKey() });
        expect(res.status).toBe(401);
        expect(rateHeaders(res)).toMatchObject({ limit: '3', remaining: String(2 - i) });
      }
      expect429(await app.api.get('/v1/users', { key: generateApiKey() }), 3);
      expect((await app.api.get('/v1/users', { key: readKey })).status).toBe(200);
    });
  });

  it('never limits the reference (/docs and everything under it) or the OpenAPI document', async () => {
    await withApp({ RATE_LIMIT_IP_PER_MINUTE: '2' }, async (app) => {
      for (let i = 0; i < 2; i++)
        expect((await app.api.get('/v1/users', { key: generateApiKey() })).status).toBe(401);
      expect429(await app.api.get('/v1/users', { key: generateApiKey() }), 2);
      const docs = await app.api.get('/docs');
      expect(docs.status).toBe(200);
      expect(docs.text).toMatch(/swagger/i);
      const paths = [
        '/docs/',
        '/docs/json',
        '/docs/static/index.html',
        '/v1/openapi.json',
        '/api/v1/openapi.json',
      ];
      for (let round = 0; round < 3; round++) {
        for (const path of paths) {
          const res = await app.api.get(path);
          expect(res.status, path).toBe(200);
          expect(res.headers.get('x-ratelimit-limit'), path).toBeNull();
        }
      }
      expect((await app.api.get('/v1/openapi.json')).body.openapi).toMatch(/^3\.1/);
      // The lockout itself still holds.
      expect429(await app.api.get('/v1/users'), 2);
    });
  });

  it('never limits /healthz, /readyz and /metrics, and does not put rate-limit headers on them', async () => {
    await withApp({ RATE_LIMIT_IP_PER_MINUTE: '1' }, async (app) => {
      expect((await app.api.get('/v1/users')).status).toBe(401);
      expect429(await app.api.get('/v1/users'), 1);
      const probes = await Promise.all(
        Array.from({ length: 150 }, (_, i) => app.api.get(['/healthz', '/readyz', '/metrics'][i % 3]!)),
      );
      for (const res of probes) {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBeNull();
      }
      expect((await app.api.request('HEAD', '/healthz')).status).toBe(200);
    });
  });
});

describe('rate limit: shared across server processes', () => {
  it.skipIf(!process.env.REDIS_URL)(
    'with REDIS_URL, two instances count one budget exactly: 60 + 40 pass, then both say 429',
    async () => {
      const shared = { REDIS_KEY_PREFIX: `jbtest:${uniq()}:` };
      await withApp(shared, async (a) => {
        await withApp(shared, async (b) => {
          expect(a.redis).toBeDefined();
          const { writeKey } = await makeTenant(a.database.db);
          await spend(a.api, writeKey, 60, 100, 99);
          await spend(b.api, writeKey, 40, 100, 39);
          expect429(await a.api.get('/v1/users', { key: writeKey }), 100);
          expect429(await b.api.get('/v1/users', { key: writeKey }), 100);

          // Failed attempts are shared per IP too: 100 on A exhaust B's budget.
          for (let i = 0; i < 100; i++) expect((await a.api.get('/v1/users')).status).toBe(401);
          expect429(await b.api.get('/v1/users'), 100);
        });
      });
    },
  );
});
