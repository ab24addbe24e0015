import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { events, notifications, webhookDeliveries, webhookEndpoints } from '../../src/db/schema/index.js';
import { enqueueWebhookDeliveries } from '../../src/modules/webhooks/index.js';
import { uniq } from '../helpers/app.js';
import { ISO_TIMESTAMP, UUID } from '../helpers/catalogue-api.js';
import { makeTenant, makeUser } from '../helpers/factories.js';
import { waitFor } from '../helpers/process.js';
import {
  createWebhook,
  type Received,
  Receiver,
  useWebhookServer,
  verify,
  waitForDelivery,
} from '../helpers/webhooks.js';

// Deliveries end to end: the production server and its worker, real receivers on 127.0.0.1.
// Retries come 0.2 s, 0.4 s, 0.8 s and 1.6 s after the first attempt (+ up to 10 % jitter);
// an attempt times out after 1 s; two failed deliveries in a row disable an endpoint.
const SCHEDULE_MS = [0, 200, 400, 800, 1600];
const ctx = useWebhookServer({
  WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => ms / 1000).join(','),
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_DISABLE_AFTER_FAILURES: '2',
});

/** A tenant with a receiver and one endpoint on it, subscribed to `events`. */
async function setup(events: string[] = ['users.create'], extra: Record<string, unknown> = {}) {
  const tenant = await makeTenant(ctx.db);
  const receiver = await Receiver.start();
  const webhook = await createWebhook(ctx.s.api, tenant.writeKey, { url: receiver.url, events, ...extra });
  return { ...tenant, receiver, webhook };
}

async function sendTest(key: string, webhookId: number): Promise<number> {
  const res = await ctx.s.api.post(`/v1/webhooks/${webhookId}/test`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

/**
 * The attempt number (0, 1, …) of a request's message, by its webhook-id: unlike the receiver's
 * request count, a stray request another test's server still retries to a reused port does not
 * shift it.
 */
function attemptCounter(): (r: Received) => number {
  const attempts = new Map<string, number>();
  return (r) => {
    const id = String(r.headers['webhook-id']);
    const n = attempts.get(id) ?? 0;
    attempts.set(id, n + 1);
    return n;
  };
}

const gaps = (list: Received[]) => list.slice(1).map((r, i) => r.at - list[i]!.at);

describe('delivering events', () => {
  it('POSTs users.create in the {id, type, timestamp, data} envelope, signed per Standard Webhooks', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    try {
      // Endpoints that must not receive it: another event type, paused, another company's.
      const other = await createWebhook(ctx.s.api, writeKey, { url: receiver.url, events: ['leads.create'] });
      const paused = await createWebhook(ctx.s.api, writeKey, {
        url: receiver.url,
        events: ['users.create'],
        active: false,
      });
      const stranger = await makeTenant(ctx.db);
      await createWebhook(ctx.s.api, stranger.writeKey, { url: receiver.url, events: ['users.create'] });

      const email = `hook-${uniq()}@example.test`;
      const sentAt = Date.now();
      const created = await ctx.s.api.post('/v1/users', {
        key: writeKey,
        body: { email, first_name: 'Hook' },
      });
      expect(created.status).toBe(201);
      const [got] = await receiver.waitForCount(1);

      expect(got!.headers['content-type']).toBe('application/json');
      expect(got!.headers['webhook-id']).toMatch(UUID);
      expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      const timestamp = Number(got!.headers['webhook-timestamp']) * 1000;
      expect(Math.abs(timestamp - sentAt)).toBeLessThan(5_000);
      // The library a receiver would use accepts it with the secret shown at creation.
      const payload = verify(webhook.secret, got!);
      expect(Object.keys(payload)).toEqual(['id', 'type', 'timestamp', 'data']);
      expect(payload).toEqual({
        id: expect.stringMatching(UUID),
        type: 'users.create',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        data: { user: { ...created.body } },
      });
      expect(Math.abs(Date.parse(payload.timestamp) - sentAt)).toBeLessThan(5_000);

      const list = await ctx.s.api.get(`/v1/webhooks/${webhook.id}/deliveries`, { key: readKey });
      expect(list.body.meta['record-count']).toBe(1);
      const [delivery] = list.body.data;
      expect(delivery).toMatchObject({
        uuid: got!.headers['webhook-id'],
        webhook_id: webhook.id,
        event_id: payload.id,
        event_type: 'users.create',
      });
      await waitForDelivery(ctx.s.api, readKey, webhook.id, delivery.id, 'succeeded');

      await sleep(300);
      expect(receiver.received).toHaveLength(1);
      for (const id of [other.id, paused.id]) {
        const none = await ctx.s.api.get(`/v1/webhooks/${id}/deliveries`, { key: readKey });
        expect(none.body.meta['record-count']).toBe(0);
      }
    } finally {
      await receiver.close();
    }
  });

  it('an endpoint gets no event older than itself, even when the relay reaches the event after the endpoint was created', async () => {
    // The tenant's admin is created through UserService: a users.create event, before any endpoint.
    const tenant = await makeTenant(ctx.db);
    const [older] = await ctx.db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.company_id, tenant.company.id), eq(events.type, 'users.create')));
    expect(older).toBeDefined();
    const receiver = await Receiver.start();
    try {
      const webhook = await createWebhook(ctx.s.api, tenant.writeKey, {
        url: receiver.url,
        events: ['users.create'],
      });
      // The relay's fan-out for that event, run now, as a relay that got to it late would run it.
      await enqueueWebhookDeliveries(ctx.db, [older!.id]);
      const queued = await ctx.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpoint_id, webhook.id));
      expect(queued).toEqual([]);
      // What happens after the endpoint's creation reaches it.
      const email = `after-${uniq()}@example.test`;
      const created = await ctx.s.api.post('/v1/users', { key: tenant.writeKey, body: { email } });
      expect(created.status).toBe(201);
      await receiver.waitForCount(1);
      await sleep(300);
      expect(receiver.received.map((r) => verify(webhook.secret, r).data.user.email)).toEqual([email]);
    } finally {
      await receiver.close();
    }
  });

  it('sends a webhooks.test event to that endpoint only, through the same pipeline', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    const second = await createWebhook(ctx.s.api, writeKey, {
      url: `${receiver.url}/2`,
      events: ['users.create'],
    });
    try {
      const res = await ctx.s.api.post(`/v1/webhooks/${webhook.id}/test`, { key: writeKey });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        id: expect.any(Number),
        uuid: expect.stringMatching(UUID),
        webhook_id: webhook.id,
        event_type: 'webhooks.test',
        status: expect.stringMatching(/^(pending|succeeded)$/),
        created_at: expect.stringMatching(ISO_TIMESTAMP),
      });
      const done = await waitForDelivery(ctx.s.api, readKey, webhook.id, res.body.id, 'succeeded');
      expect(done).toMatchObject({
        attempt_count: 1,
        next_attempt_at: null,
        last_status_code: 200,
        last_error: null,
        delivered_at: expect.stringMatching(ISO_TIMESTAMP),
      });
      expect(done.attempts).toEqual([
        {
          id: expect.any(Number),
          attempted_at: expect.stringMatching(ISO_TIMESTAMP),
          status_code: 200,
          duration_ms: expect.any(Number),
          response_excerpt: 'ok',
          error: null,
        },
      ]);
      const [got] = receiver.received;
      expect(verify(webhook.secret, got!)).toMatchObject({
        type: 'webhooks.test',
        data: { webhook: { id: webhook.id, url: receiver.url } },
      });
      expect(receiver.received).toHaveLength(1);
      const none = await ctx.s.api.get(`/v1/webhooks/${second.id}/deliveries`, { key: readKey });
      expect(none.body.data).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('signs with the old and the new secret for 24 hours after a rotation, then with the new one only', async () => {
    const { writeKey, receiver, webhook } = await setup();
    try {
      const rotated = await ctx.s.api.post(`/v1/webhooks/${webhook.id}/rotate-secret`, { key: writeKey });
      await sendTest(writeKey, webhook.id);
      const [both] = await receiver.waitForCount(1);
      expect(String(both!.headers['webhook-signature']).split(' ')).toHaveLength(2);
      // Receivers holding either secret accept it: no gap while they switch.
      expect(verify(webhook.secret, both!).type).toBe('webhooks.test');
      expect(verify(rotated.body.secret, both!).type).toBe('webhooks.test');

      // 24 hours later.
      await ctx.db
        .update(webhookEndpoints)
        .set({ previous_secret_expires_at: new Date(Date.now() - 1000) })
        .where(eq(webhookEndpoints.id, webhook.id));
      await sendTest(writeKey, webhook.id);
      const [, after] = await receiver.waitForCount(2);
      expect(String(after!.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(verify(rotated.body.secret, after!).type).toBe('webhooks.test');
      expect(() => verify(webhook.secret, after!)).toThrow('No matching signature found');
      const shown = await ctx.s.api.get(`/v1/webhooks/${webhook.id}`, { key: writeKey });
      expect(shown.body.previous_secret_expires_at).toBeNull();
    } finally {
      await receiver.close();
    }
  });
});

describe('retries', () => {
  it('retries non-2xx answers on the schedule, with the same webhook-id, until one succeeds', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    const attempt = attemptCounter();
    receiver.reply = (r) => {
      const i = attempt(r);
      return i < 2 ? { status: 500, body: `boom ${i}` } : 204;
    };
    try {
      const id = await sendTest(writeKey, webhook.id);
      const received = await receiver.waitForCount(3);
      const done = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'succeeded');
      expect(done.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 204]);
      expect(done.attempts.map((a: { response_excerpt: string }) => a.response_excerpt)).toEqual([
        'boom 0',
        'boom 1',
        null,
      ]);
      expect(done).toMatchObject({ attempt_count: 3, last_status_code: 204 });
      expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([done.uuid]));
      for (const r of received) verify(webhook.secret, r);
      // Waits of 0.2 s then 0.4 s plus up to 10 % jitter: never sooner, and not much later (the
      // slack is for a busy test machine, well under the 1 s poll that would otherwise find them).
      const [first, second] = gaps(received);
      expect(first).toBeGreaterThanOrEqual(SCHEDULE_MS[1]!);
      expect(first).toBeLessThan(SCHEDULE_MS[1]! * 1.1 + 600);
      expect(second).toBeGreaterThanOrEqual(SCHEDULE_MS[2]!);
      expect(second).toBeLessThan(SCHEDULE_MS[2]! * 1.1 + 600);
      const times = done.attempts.map((a: { attempted_at: string }) => Date.parse(a.attempted_at));
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(SCHEDULE_MS[1]!);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(SCHEDULE_MS[2]!);
      await sleep(300);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('fails a delivery after the last attempt of the schedule; a manual retry sends it again', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    receiver.reply = () => 503;
    try {
      const id = await sendTest(writeKey, webhook.id);
      const failed = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'failed');
      expect(failed).toMatchObject({ attempt_count: 5, last_status_code: 503, next_attempt_at: null });
      expect(failed.attempts).toHaveLength(5);
      // Only this delivery's requests: on a busy machine the receiver's port may be one a closed
      // receiver of another test file had, whose server still retries to it (seen once in CI:
      // 10 requests, 5 of them foreign).
      const ours = () => receiver.received.filter((r) => r.headers['webhook-id'] === failed.uuid);
      const received = ours();
      expect(received).toHaveLength(5);
      gaps(received).forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(SCHEDULE_MS[i + 1]!);
      });
      const endpoint = await ctx.s.api.get(`/v1/webhooks/${webhook.id}`, { key: readKey });
      expect(endpoint.body).toMatchObject({ consecutive_failures: 1, active: true });

      receiver.reply = () => 200;
      const retry = await ctx.s.api.post(`/v1/webhooks/${webhook.id}/deliveries/${id}/retry`, {
        key: writeKey,
      });
      expect(retry.status).toBe(202);
      expect(retry.body.id).toBe(id);
      const done = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'succeeded');
      expect(done.attempts).toHaveLength(6);
      expect(ours()).toHaveLength(6);
      expect(ours()[5]!.headers['webhook-id']).toBe(done.uuid);
      // A success resets the endpoint's failure counter.
      const healed = await ctx.s.api.get(`/v1/webhooks/${webhook.id}`, { key: readKey });
      expect(healed.body.consecutive_failures).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    const elsewhere = await Receiver.start();
    // Location points at another receiver, which must never be called.
    const attempt = attemptCounter();
    receiver.reply = (r) => (attempt(r) === 0 ? { status: 302, headers: { location: elsewhere.url } } : 200);
    try {
      const id = await sendTest(writeKey, webhook.id);
      const done = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'succeeded');
      expect(done.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([302, 200]);
      expect(elsewhere.received).toEqual([]);
    } finally {
      await receiver.close();
      await elsewhere.close();
    }
  });

  it('times out a receiver that does not answer within WEBHOOK_TIMEOUT_MS, and keeps 1 KiB of a long answer', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    const attempt = attemptCounter();
    receiver.reply = async (r) => {
      if (attempt(r) === 0) await sleep(1_500);
      return { status: 200, body: 'é'.repeat(3000) };
    };
    try {
      const id = await sendTest(writeKey, webhook.id);
      const done = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'succeeded');
      const [timedOut, ok] = done.attempts;
      expect(timedOut).toMatchObject({
        status_code: null,
        error: 'Timed out after 1000 ms',
        response_excerpt: null,
      });
      expect(timedOut.duration_ms).toBeGreaterThanOrEqual(1000);
      expect(timedOut.duration_ms).toBeLessThan(1500);
      expect(ok.status_code).toBe(200);
      expect(Buffer.byteLength(ok.response_excerpt)).toBeLessThanOrEqual(1024);
      expect(ok.response_excerpt.startsWith('é'.repeat(500))).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that is down for a while gets every event once it is back', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    try {
      await receiver.down();
      const emails = Array.from({ length: 5 }, () => `down-${uniq()}@example.test`);
      for (const email of emails) {
        expect((await ctx.s.api.post('/v1/users', { key: writeKey, body: { email } })).status).toBe(201);
      }
      // First attempts and a retry or two are refused while it is down.
      await waitFor(
        async () => {
          const rows = await ctx.db
            .select({ attempts: webhookDeliveries.attempts })
            .from(webhookDeliveries)
            .where(eq(webhookDeliveries.endpoint_id, webhook.id));
          return rows.length === 5 && rows.every((r) => r.attempts >= 2);
        },
        // Hang guards, not speed checks: a busy CI machine once needed more than 5 s here.
        15_000,
        'refused attempts',
      );
      await receiver.up();
      await receiver.waitForCount(5, 15_000);
      await sleep(300);
      const got = receiver.received.map((r) => verify(webhook.secret, r).data.user.email);
      expect(got.sort()).toEqual([...emails].sort());
      const list = await ctx.s.api.get(`/v1/webhooks/${webhook.id}/deliveries`, { key: readKey });
      for (const d of list.body.data) {
        expect(d.status).toBe('succeeded');
        expect(d.attempts[0].error).toBe('Connection refused (ECONNREFUSED)');
      }
    } finally {
      await receiver.close().catch(() => {});
    }
  });

  it('keeps the deliveries of a paused endpoint pending and sends them when it is re-enabled', async () => {
    const { writeKey, readKey, receiver, webhook } = await setup();
    // Paused from inside the first attempt, which then fails. On a busy machine the PATCH can
    // outlast the 1 s attempt timeout, so a retry may be sent (and refused) before the pause
    // lands: every attempt fails until the endpoint is re-enabled, and the test counts what came.
    let pausing: Promise<void> | undefined;
    let enabled = false;
    receiver.reply = async () => {
      if (enabled) return 200;
      pausing ??= (async () => {
        const paused = await ctx.s.api.patch(`/v1/webhooks/${webhook.id}`, {
          key: writeKey,
          body: { active: false },
        });
        expect(paused.status).toBe(200);
      })();
      await pausing;
      return 500;
    };
    try {
      const id = await sendTest(writeKey, webhook.id);
      await receiver.waitForCount(1);
      await pausing;
      const delivery = async () =>
        (await ctx.s.api.get(`/v1/webhooks/${webhook.id}/deliveries/${id}`, { key: readKey })).body;
      // Every attempt begun before the pause landed is recorded.
      await waitFor(
        async () => (await delivery()).attempt_count === receiver.received.length,
        10_000,
        'the attempts before the pause to be recorded',
      );
      const seen = receiver.received.length;
      // The next retry falls due in this time (0.2 s, or 0.4 s after a second attempt): none is sent.
      await sleep(SCHEDULE_MS[2]! * 3);
      expect(await delivery()).toMatchObject({ status: 'pending', attempt_count: seen });
      expect(receiver.received).toHaveLength(seen);
      const retry = await ctx.s.api.post(`/v1/webhooks/${webhook.id}/deliveries/${id}/retry`, {
        key: writeKey,
      });
      expect(retry.status).toBe(409);

      enabled = true;
      await ctx.s.api.patch(`/v1/webhooks/${webhook.id}`, { key: writeKey, body: { active: true } });
      await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'succeeded');
      expect(receiver.received).toHaveLength(seen + 1);
    } finally {
      await receiver.close();
    }
  });
});

describe('disabling dead endpoints', () => {
  async function adminNotifications(companyId: number) {
    return ctx.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.company_id, companyId), eq(notifications.type, 'webhook_disabled')));
  }

  it('a 410 Gone disables the endpoint at once and tells the admins', async () => {
    const { writeKey, readKey, receiver, webhook, company, admin } = await setup();
    receiver.reply = () => 410;
    try {
      const id = await sendTest(writeKey, webhook.id);
      const failed = await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'failed');
      expect(failed.attempts).toHaveLength(1);
      const endpoint = await ctx.s.api.get(`/v1/webhooks/${webhook.id}`, { key: readKey });
      expect(endpoint.body).toMatchObject({
        active: false,
        disabled_reason: 'The endpoint answered 410 Gone',
      });
      expect(endpoint.body.disabled_at).toMatch(ISO_TIMESTAMP);
      const rows = await adminNotifications(company.id);
      expect(rows.map((n) => n.user_id)).toEqual([admin.id]);

      // New events are not queued for a disabled endpoint.
      await ctx.s.api.post('/v1/users', { key: writeKey, body: { email: `gone-${uniq()}@example.test` } });
      await sleep(200);
      const list = await ctx.s.api.get(`/v1/webhooks/${webhook.id}/deliveries`, { key: readKey });
      expect(list.body.meta['record-count']).toBe(1);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('N failed deliveries in a row disable the endpoint and notify every active admin once', async () => {
    // Subscribed to something else, so the users made here queue nothing: only the test events count.
    const { writeKey, readKey, receiver, webhook, company, admin } = await setup(['partners.create']);
    const secondAdmin = await makeUser(ctx.db, company.id, { role: 'admin' });
    const formerAdmin = await makeUser(ctx.db, company.id, { role: 'admin' });
    await ctx.s.api.delete(`/v1/users/${formerAdmin.id}`, { key: writeKey });
    await makeUser(ctx.db, company.id, { role: 'partnerships' });
    receiver.reply = () => 500;
    try {
      const ids = [await sendTest(writeKey, webhook.id), await sendTest(writeKey, webhook.id)];
      for (const id of ids) {
        await waitForDelivery(ctx.s.api, readKey, webhook.id, id, 'failed');
      }
      const endpoint = await ctx.s.api.get(`/v1/webhooks/${webhook.id}`, { key: readKey });
      expect(endpoint.body).toMatchObject({
        active: false,
        consecutive_failures: 2,
        disabled_reason: '2 deliveries in a row failed after all their retries',
      });
      const rows = await adminNotifications(company.id);
      expect(rows.map((n) => n.user_id).sort()).toEqual([admin.id, secondAdmin.id].sort());
      expect(rows[0]).toMatchObject({
        title: 'A webhook endpoint was disabled',
        data: { webhook_id: webhook.id, url: receiver.url, reason: endpoint.body.disabled_reason },
      });
      expect(rows[0]!.body).toContain(receiver.url);

      const enabled = await ctx.s.api.patch(`/v1/webhooks/${webhook.id}`, {
        key: writeKey,
        body: { active: true },
      });
      expect(enabled.body).toMatchObject({ active: true, consecutive_failures: 0, disabled_reason: null });
    } finally {
      await receiver.close();
    }
  });
});
