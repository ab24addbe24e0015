import { describe, expect, it } from 'vitest';
import { type ApiClient, startTestApp, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { makeLead } from '../helpers/lead-factories.js';
import { SseClient } from '../helpers/notifications.js';
import { createWebhook } from '../helpers/webhooks.js';

// GET /metrics: Prometheus text after real traffic on a real server. The series move with the
// traffic; labels are route templates (never a raw path or an id); METRICS_TOKEN guards it.

const TOKEN = `metrics-${uniq()}${uniq()}`;
const LIMIT = 3;
// No relay: the test decides when the outbox is relayed, and sees the lag before it is.
const ctx = useTestApp(
  { METRICS_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: String(LIMIT), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
  { relay: false },
);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

/** Parses the text exposition format strictly: every line is a comment or `name{labels} value`. */
function parse(text: string): Sample[] {
  expect(text.endsWith('\n')).toBe(true);
  const samples: Sample[] = [];
  const typed = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![2], line).toMatch(NAME);
      if (m![1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped'], line).toContain(m![3]);
        typed.set(m![2]!, m![3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const [, name, rawLabels = '', value] = m!;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < rawLabels.length) {
      const l = LABEL.exec(rawLabels);
      expect(l, `bad labels in: ${line}`).not.toBeNull();
      labels[l![1]!] = l![2]!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    // Prometheus reads values with Go's ParseFloat: NaN in any case (prom-client writes `Nan`).
    const nan = /^nan$/i.test(value!);
    const number = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    expect(nan || !Number.isNaN(number), line).toBe(true);
    const family = name!.replace(/_(bucket|sum|count|total)$/, '');
    expect(typed.has(name!) || typed.has(family), `sample before its # TYPE: ${line}`).toBe(true);
    samples.push({ name: name!, labels, value: number });
  }
  return samples;
}

async function scrape(api: ApiClient = ctx.t.api, token: string | undefined = TOKEN) {
  const res = await api.get('/metrics', token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { text: res.text, samples: parse(res.text) };
}

/** The one sample with this name and (at least) these labels; 0 when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

const count = (samples: Sample[], labels: Record<string, string>) =>
  value(samples, 'journeybee_http_request_duration_seconds_count', labels);

describe('metrics: the series move with the traffic', () => {
  it('counts requests by route template, method and status; never a raw path; 429s by kind', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const before = await scrape();
    const list = { route: '/v1/leads', method: 'GET', status_code: '200' };
    const object404 = { route: '/v1/leads/:id', method: 'GET', status_code: '404' };
    const unmatched = { route: 'unmatched', method: 'GET', status_code: '404' };

    expect((await ctx.t.api.get('/v1/leads', { key: readKey })).status).toBe(200);
    expect((await ctx.t.api.get('/v1/leads/2147483001', { key: readKey })).status).toBe(404);
    expect((await ctx.t.api.get('/v1/no-such-route/2147483002')).status).toBe(404);
    // The key's budget is LIMIT a minute: two spent above, one more, then 429s.
    expect((await ctx.t.api.get('/v1/leads', { key: readKey })).status).toBe(200);
    expect((await ctx.t.api.get('/v1/leads', { key: readKey })).status).toBe(429);
    expect((await ctx.t.api.get('/v1/leads', { key: readKey })).status).toBe(429);

    const after = await scrape();
    const s = after.samples;
    expect(count(s, list) - count(before.samples, list)).toBe(2);
    expect(count(s, object404) - count(before.samples, object404)).toBe(1);
    expect(count(s, unmatched) - count(before.samples, unmatched)).toBeGreaterThanOrEqual(1);
    const limited = { route: '/v1/leads', method: 'GET', status_code: '429' };
    expect(count(s, limited) - count(before.samples, limited)).toBe(2);
    const refusals = (x: Sample[], kind: string) =>
      value(x, 'journeybee_rate_limit_refusals_total', { kind });
    expect(refusals(s, 'key') - refusals(before.samples, 'key')).toBe(2);
    for (const kind of ['ip', 'session', 'login']) expect(refusals(s, kind)).toBeGreaterThanOrEqual(0);

    // A histogram: cumulative buckets, up to +Inf, equal to the count; a sum in seconds.
    const buckets = s.filter(
      (x) =>
        x.name === 'journeybee_http_request_duration_seconds_bucket' &&
        x.labels.route === '/v1/leads' &&
        x.labels.status_code === '200',
    );
    expect(buckets.map((b) => b.labels.le).at(-1)).toBe('+Inf');
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.value).toBe(count(s, list));
    const sum = value(s, 'journeybee_http_request_duration_seconds_sum', list);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(60);

    // Route templates only: no id, no raw path, no key, no company.
    expect(after.text).not.toContain('2147483001');
    expect(after.text).not.toContain('2147483002');
    expect(after.text).not.toContain('no-such-route');
    expect(after.text).not.toContain(readKey);
    const routes = new Set(s.map((x) => x.labels.route).filter((r) => r !== undefined));
    for (const route of routes) expect(route === 'unmatched' || route.startsWith('/'), route).toBe(true);
    for (const x of s) {
      expect(Object.keys(x.labels).filter((k) => /company|user|tenant|key_id/i.test(k))).toEqual([]);
    }

    // The scrape does not count itself, and nothing is in flight between requests.
    expect(routes.has('/metrics')).toBe(false);
    expect(value(s, 'journeybee_http_requests_in_flight')).toBe(0);
  });

  it('counts 429s of the IP budget (unauthenticated requests) as kind ip', async () => {
    const app = await startTestApp(ctx.dbUrl, { RATE_LIMIT_IP_PER_MINUTE: '1' });
    try {
      const before = await scrape(app.api, undefined);
      expect((await app.api.get('/v1/leads')).status).toBe(401);
      expect((await app.api.get('/v1/leads')).status).toBe(429);
      expect((await app.api.get('/v1/nothing-here')).status).toBe(429);
      const after = await scrape(app.api, undefined);
      const ip = (x: { samples: Sample[] }) =>
        value(x.samples, 'journeybee_rate_limit_refusals_total', { kind: 'ip' });
      expect(ip(after) - ip(before)).toBe(2);
      // The scrape itself is never limited.
      for (let i = 0; i < 5; i++) await scrape(app.api, undefined);
    } finally {
      await app.close();
    }
  });

  it('counts the lockout after failed log-ins as kind login', async () => {
    const login = (email: string) =>
      ctx.t.api.post('/v1/auth/login', { body: { email, password: 'not the password 1' } });
    const email = `nobody-${uniq()}@example.test`;
    const before = await scrape();
    for (let i = 0; i < 10; i++) expect((await login(email)).status, `attempt ${i + 1}`).toBe(401);
    expect((await login(email)).status).toBe(429);
    const after = await scrape();
    const kind = (x: { samples: Sample[] }) =>
      value(x.samples, 'journeybee_rate_limit_refusals_total', { kind: 'login' });
    expect(kind(after) - kind(before)).toBe(1);
    expect(after.text).not.toContain(email);
  });

  it('reports the database pool, and open notification streams', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const { samples } = await scrape();
    expect(value(samples, 'journeybee_db_pool_connections_max')).toBe(ctx.t.config.databasePoolSize);
    expect(value(samples, 'journeybee_db_pool_connections_idle')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'journeybee_db_pool_connections_in_use')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'journeybee_db_pool_waiting_requests')).toBe(0);
    expect(value(samples, 'journeybee_sse_clients')).toBe(0);

    const stream = await SseClient.open(`${ctx.t.api.baseUrl}/v1/notifications/stream`, readKey);
    expect(stream.status).toBe(200);
    try {
      const open = (await scrape()).samples;
      expect(value(open, 'journeybee_sse_clients')).toBe(1);
      // An open stream is a request in flight.
      expect(value(open, 'journeybee_http_requests_in_flight')).toBe(1);
    } finally {
      stream.close();
      await stream.ended;
    }
    await expect.poll(async () => value((await scrape()).samples, 'journeybee_sse_clients')).toBe(0);
    expect(value((await scrape()).samples, 'journeybee_http_requests_in_flight')).toBe(0);
  });

  it('reports the outbox lag and the pending webhook deliveries, as numbers', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const first = (await scrape()).samples;
    expect(value(first, 'journeybee_backlog_query_up')).toBe(1);
    for (const name of [
      'journeybee_outbox_unrelayed_events',
      'journeybee_outbox_oldest_unrelayed_age_seconds',
      'journeybee_webhook_deliveries_pending',
      'journeybee_webhook_delivery_oldest_pending_age_seconds',
    ]) {
      expect(
        first.filter((x) => x.name === name),
        name,
      ).toHaveLength(1);
      expect(Number.isFinite(value(first, name)), name).toBe(true);
      expect(value(first, name), name).toBeGreaterThanOrEqual(0);
    }

    // Each key has LIMIT requests a minute: the webhook and the lead (a campaign, then the lead).
    await createWebhook(ctx.t.api, writeKey, { url: 'http://127.0.0.1:9/hook', events: ['leads.create'] });
    await makeLead(ctx.t.api, writeKey);

    const lagging = (await scrape()).samples;
    expect(value(lagging, 'journeybee_outbox_unrelayed_events')).toBeGreaterThanOrEqual(
      value(first, 'journeybee_outbox_unrelayed_events') + 1,
    );
    expect(value(lagging, 'journeybee_outbox_oldest_unrelayed_age_seconds')).toBeGreaterThanOrEqual(0);

    // Relayed: the outbox is empty, and the lead's delivery waits (no delivery worker here).
    await ctx.t.app.relay.wake();
    const relayed = (await scrape()).samples;
    expect(value(relayed, 'journeybee_outbox_unrelayed_events')).toBe(0);
    expect(value(relayed, 'journeybee_outbox_oldest_unrelayed_age_seconds')).toBe(0);
    expect(value(relayed, 'journeybee_webhook_deliveries_pending')).toBeGreaterThanOrEqual(
      value(first, 'journeybee_webhook_deliveries_pending') + 1,
    );
    expect(value(relayed, 'journeybee_webhook_delivery_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(
      0,
    );
  });

  it('still answers, at once, when the database cannot be reached: the backlog is left out', async () => {
    const app = await startTestApp('postgres://postgres@127.0.0.1:1/nothing');
    try {
      const started = performance.now();
      const { samples } = await scrape(app.api, undefined);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(value(samples, 'journeybee_backlog_query_up')).toBe(0);
      expect(samples.filter((x) => /^journeybee_(outbox|webhook)_/.test(x.name))).toEqual([]);
      expect(value(samples, 'journeybee_db_pool_connections_max')).toBe(10);
    } finally {
      await app.close();
    }
  });

  it("includes prom-client's process metrics", async () => {
    const { samples } = await scrape();
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(names.has(name), name).toBe(true);
  });
});

describe('metrics: METRICS_TOKEN', () => {
  it('when set, a scrape needs Authorization: Bearer <token>; otherwise 401 JSON', async () => {
    const unauthorized = { error: 'Missing or invalid metrics token', code: 'unauthorized' };
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: 'Bearer ' },
      { authorization: TOKEN },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await ctx.t.api.get('/metrics', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual(unauthorized);
    }
    // An API key is not the token.
    const { readKey } = await makeTenant(ctx.t.database.db);
    expect((await ctx.t.api.get('/metrics', { key: readKey })).status).toBe(401);
    await scrape(ctx.t.api, TOKEN);
    expect(
      (await ctx.t.api.request('HEAD', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
  });

  it('when unset, the endpoint is open; each app has its own registry', async () => {
    const a = await startTestApp(ctx.dbUrl, {});
    const b = await startTestApp(ctx.dbUrl, {});
    try {
      const res = await a.api.get('/metrics');
      expect(res.status).toBe(200);
      await a.api.get('/healthz');
      await a.api.get('/healthz');
      const healthz = { route: '/healthz', method: 'GET', status_code: '200' };
      expect(count((await scrape(a.api, undefined)).samples, healthz)).toBe(2);
      expect(count((await scrape(b.api, undefined)).samples, healthz)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('is not in the OpenAPI document', async () => {
    const doc = await ctx.t.api.get('/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });
});
