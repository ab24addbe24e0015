import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { webhookEndpoints } from '../../src/db/schema/index.js';
import { EVENT_TYPES } from '../../src/modules/events/events.js';
import {
  FORBIDDEN,
  ISO_TIMESTAMP,
  invalid,
  MISSING_ID,
  UUID,
  unknownFields,
} from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';
import { createWebhook, Receiver, useWebhookServer, waitForDelivery } from '../helpers/webhooks.js';

// /v1/webhooks: the endpoint object, its validation, tenancy and permissions.

const ctx = useWebhookServer();
const URL_A = 'http://127.0.0.1:9/a';
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

describe('webhook endpoints: happy paths', () => {
  it('creates (secret shown once), reads, lists, updates and deletes an endpoint', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await ctx.s.api.post('/v1/webhooks', {
      key: writeKey,
      body: { url: URL_A, events: ['leads.create', 'users.create', 'leads.create'], description: 'CRM sync' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(UUID),
      url: URL_A,
      description: 'CRM sync',
      events: ['leads.create', 'users.create'],
      active: true,
      consecutive_failures: 0,
      disabled_at: null,
      disabled_reason: null,
      previous_secret_expires_at: null,
      created_at: expect.stringMatching(ISO_TIMESTAMP),
      updated_at: expect.stringMatching(ISO_TIMESTAMP),
      secret: expect.stringMatching(SECRET),
    });
    const { secret, ...endpoint } = created.body;
    const path = `/v1/webhooks/${endpoint.id}`;

    const got = await ctx.s.api.get(path, { key: writeKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(endpoint);
    expect(got.text).not.toContain(secret);

    const list = await ctx.s.api.get('/v1/webhooks', { key: writeKey });
    expect(list.body).toEqual({ data: [endpoint], meta: { 'record-count': 1, 'page-count': 1 } });
    expect(list.text).not.toContain('whsec_');

    const patched = await ctx.s.api.patch(path, {
      key: writeKey,
      body: { url: 'https://127.0.0.1:9/b', events: ['partners.create'], description: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      url: 'https://127.0.0.1:9/b',
      events: ['partners.create'],
      description: null,
      active: true,
    });
    expect(patched.body.secret).toBeUndefined();

    const del = await ctx.s.api.delete(path, { key: writeKey });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await ctx.s.api.get(path, { key: writeKey })).status).toBe(404);
    expect((await ctx.s.api.delete(path, { key: writeKey })).status).toBe(404);
  });

  it('stores the secret encrypted, never as itself', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, { url: URL_A, events: ['users.create'] });
    const [row] = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, created.id));
    const raw = created.secret.slice('whsec_'.length);
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(row!.secret_encrypted).not.toContain(raw);
    expect(row!.secret_encrypted).not.toContain(Buffer.from(raw, 'base64').toString('hex'));
  });

  it('rotates the secret: a new one, shown once, the previous one signing for 24 hours', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, { url: URL_A, events: ['users.create'] });
    const before = Date.now();
    const rotated = await ctx.s.api.post(`/v1/webhooks/${created.id}/rotate-secret`, { key: writeKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(SECRET);
    expect(rotated.body.secret).not.toBe(created.secret);
    const expires = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expires - before).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(expires - before).toBeLessThan(24 * 3600_000 + 60_000);
    const got = await ctx.s.api.get(`/v1/webhooks/${created.id}`, { key: writeKey });
    expect(got.body.secret).toBeUndefined();
    expect(got.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
  });

  it('pauses with active: false and re-enables with active: true, clearing the failure counter', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, { url: URL_A, events: ['users.create'] });
    const path = `/v1/webhooks/${created.id}`;
    const paused = await ctx.s.api.patch(path, { key: writeKey, body: { active: false } });
    expect(paused.body).toMatchObject({
      active: false,
      disabled_reason: expect.stringContaining('active: false'),
    });
    expect(paused.body.disabled_at).toMatch(ISO_TIMESTAMP);
    // Paused endpoints take no test event.
    const test = await ctx.s.api.post(`${path}/test`, { key: writeKey });
    expect(test.status).toBe(409);
    expect(test.body.error).toContain('disabled');

    await ctx.db
      .update(webhookEndpoints)
      .set({ consecutive_failures: 7 })
      .where(eq(webhookEndpoints.id, created.id));
    const enabled = await ctx.s.api.patch(path, { key: writeKey, body: { active: true } });
    expect(enabled.body).toMatchObject({
      active: true,
      consecutive_failures: 0,
      disabled_at: null,
      disabled_reason: null,
    });
  });

  it('creates an endpoint paused with active: false', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, {
      url: URL_A,
      events: ['users.create'],
      active: false,
    });
    expect(created).toMatchObject({ active: false, disabled_at: expect.stringMatching(ISO_TIMESTAMP) });
  });

  it('paginates endpoints and deliveries', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const receiver = await Receiver.start();
    try {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          (await createWebhook(ctx.s.api, writeKey, { url: receiver.url, events: ['users.create'] })).id,
        );
      }
      const page2 = await ctx.s.api.get('/v1/webhooks?page=2&pageSize=2', { key: writeKey });
      expect(page2.body.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
      expect(page2.body.data.map((w: { id: number }) => w.id)).toEqual([ids[2]]);

      const tests = [];
      for (let i = 0; i < 3; i++) {
        tests.push((await ctx.s.api.post(`/v1/webhooks/${ids[0]}/test`, { key: writeKey })).body.id);
      }
      const deliveries = await ctx.s.api.get(`/v1/webhooks/${ids[0]}/deliveries?pageSize=2`, {
        key: writeKey,
      });
      expect(deliveries.body.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
      // Newest first.
      expect(deliveries.body.data.map((d: { id: number }) => d.id)).toEqual([tests[2], tests[1]]);
      const bad = await ctx.s.api.get(`/v1/webhooks/${ids[0]}/deliveries?pageSize=51`, { key: writeKey });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].path).toBe('pageSize');
      await receiver.waitForCount(3);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook endpoints: validation', () => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['no url', { events: ['users.create'] }, invalid('url', 'is required')],
    ['no events', { url: URL_A }, invalid('events', 'must be an array of event names')],
    ['empty events', { url: URL_A, events: [] }, invalid('events', 'must list at least one event')],
    [
      'an unknown event',
      { url: URL_A, events: ['users.create', 'lead_created'] },
      invalid('events[1]', `must be one of: ${EVENT_TYPES.join(', ')}`),
    ],
    [
      'not a URL',
      { url: 'hooks.example', events: ['users.create'] },
      invalid('url', 'must be an absolute http(s) URL'),
    ],
    [
      'another scheme',
      { url: 'ftp://127.0.0.1/x', events: ['users.create'] },
      invalid('url', 'must use http or https'),
    ],
    [
      'credentials in the URL',
      { url: 'http://user:pw@127.0.0.1/x', events: ['users.create'] },
      invalid('url', 'must not contain a user name or password'),
    ],
    [
      'a long description',
      { url: URL_A, events: ['users.create'], description: 'x'.repeat(501) },
      invalid('description', 'must be at most 500 characters'),
    ],
    [
      'active not a boolean',
      { url: URL_A, events: ['users.create'], active: 'yes' },
      invalid('active', 'must be true or false'),
    ],
    [
      'unknown fields',
      { url: URL_A, events: ['users.create'], secret: 'whsec_x' },
      unknownFields(['secret']),
    ],
  ];
  it.each(
    cases,
  )('refuses %s with a 400 naming the field, and creates nothing', async (_name, body, expected) => {
    const { writeKey, readKey } = await makeTenant(ctx.db);
    const res = await ctx.s.api.post('/v1/webhooks', { key: writeKey, body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expected);
    expect((await ctx.s.api.get('/v1/webhooks', { key: readKey })).body.meta['record-count']).toBe(0);
  });

  it('validates PATCH bodies the same way', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, { url: URL_A, events: ['users.create'] });
    const path = `/v1/webhooks/${created.id}`;
    for (const [body, expected] of [
      [{ url: 'ftp://127.0.0.1/' }, invalid('url', 'must use http or https')],
      [{ events: [] }, invalid('events', 'must list at least one event')],
      [{ id: 3 }, unknownFields(['id'])],
    ] as const) {
      const res = await ctx.s.api.patch(path, { key: writeKey, body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expected);
    }
    expect((await ctx.s.api.get(path, { key: writeKey })).body.url).toBe(URL_A);
  });

  it('answers malformed ids in the path with a 404, like ids that name nothing', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    for (const path of ['/v1/webhooks/abc', '/v1/webhooks/1/deliveries/0', '/v1/webhooks/0/deliveries/x']) {
      const res = await ctx.s.api.get(path, { key: writeKey });
      expect(res.status, path).toBe(404);
      expect(res.body.code, path).toBe('not_found');
    }
  });
});

describe('webhook endpoints: tenancy and permissions', () => {
  it("another company's endpoint and deliveries are 404 for every verb", async () => {
    const a = await makeTenant(ctx.db);
    const b = await makeTenant(ctx.db);
    const receiver = await Receiver.start();
    try {
      const theirs = await createWebhook(ctx.s.api, b.writeKey, {
        url: receiver.url,
        events: ['users.create'],
      });
      const test = await ctx.s.api.post(`/v1/webhooks/${theirs.id}/test`, { key: b.writeKey });
      expect(test.status).toBe(202);
      const delivery = `/v1/webhooks/${theirs.id}/deliveries/${test.body.id}`;
      await waitForDelivery(ctx.s.api, b.readKey, theirs.id, test.body.id, 'succeeded');
      const requests: [string, string, unknown][] = [
        ['GET', `/v1/webhooks/${theirs.id}`, undefined],
        ['PATCH', `/v1/webhooks/${theirs.id}`, { active: false }],
        ['DELETE', `/v1/webhooks/${theirs.id}`, undefined],
        ['POST', `/v1/webhooks/${theirs.id}/rotate-secret`, undefined],
        ['POST', `/v1/webhooks/${theirs.id}/test`, undefined],
        ['GET', `/v1/webhooks/${theirs.id}/deliveries`, undefined],
        ['GET', delivery, undefined],
        ['POST', `${delivery}/retry`, undefined],
      ];
      for (const [method, path, body] of requests) {
        const res = await ctx.s.api.request(method, path, { key: a.writeKey, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body).toEqual({ error: 'Webhook not found', code: 'not_found' });
      }
      // A delivery of one endpoint is not found under another endpoint of the same company.
      const mine = await createWebhook(ctx.s.api, b.writeKey, {
        url: receiver.url,
        events: ['users.create'],
      });
      const wrong = await ctx.s.api.get(`/v1/webhooks/${mine.id}/deliveries/${test.body.id}`, {
        key: b.readKey,
      });
      expect(wrong.status).toBe(404);
      expect(wrong.body).toEqual({ error: 'Delivery not found', code: 'not_found' });
      const missing = await ctx.s.api.get(`/v1/webhooks/${MISSING_ID}`, { key: b.readKey });
      expect(missing.status).toBe(404);

      expect((await ctx.s.api.get('/v1/webhooks', { key: a.readKey })).body.data).toEqual([]);
      const still = await ctx.s.api.get(`/v1/webhooks/${theirs.id}`, { key: b.readKey });
      expect(still.body).toMatchObject({ active: true });
      expect(still.body.previous_secret_expires_at).toBeNull();
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('a read key may look but not change anything (403)', async () => {
    const { writeKey, readKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, {
      url: URL_A,
      events: ['users.create'],
      active: false,
    });
    const path = `/v1/webhooks/${created.id}`;
    expect((await ctx.s.api.get('/v1/webhooks', { key: readKey })).status).toBe(200);
    expect((await ctx.s.api.get(path, { key: readKey })).status).toBe(200);
    expect((await ctx.s.api.get(`${path}/deliveries`, { key: readKey })).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/webhooks', { url: URL_A, events: ['users.create'] }],
      ['PATCH', path, { description: 'x' }],
      ['DELETE', path, undefined],
      ['POST', `${path}/rotate-secret`, undefined],
      ['POST', `${path}/test`, undefined],
      ['POST', `${path}/deliveries/1/retry`, undefined],
    ];
    for (const [method, p, body] of writes) {
      const res = await ctx.s.api.request(method, p, { key: readKey, body });
      expect(res.status, `${method} ${p}`).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);
    }
    expect((await ctx.s.api.get(path, { key: readKey })).body).toMatchObject({ description: null });
  });
});
