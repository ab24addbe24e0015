import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/modules/api-keys/api-keys.service.js';
import { insertNotifications } from '../../src/modules/notifications/notifications.repository.js';
import { startTestApp, type TestApp, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { invite, SseClient, sendLead } from '../helpers/notifications.js';
import { waitFor } from '../helpers/process.js';

// GET /v1/notifications/stream: Server-Sent Events, live within a second (also when another app
// instance on the same database wrote the notification), Last-Event-ID resume, heartbeats, a
// LISTEN connection that comes back after it was killed, and a shutdown that does not hang.

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;
const streamUrl = (app: TestApp, query = '') => `${app.api.baseUrl}/v1/notifications/stream${query}`;

/** Fast heartbeats, for the tests that wait for one. */
let beating: TestApp;
const open: SseClient[] = [];

async function openStream(app: TestApp, key: string, headers: Record<string, string> = {}, query = '') {
  const client = await SseClient.open(streamUrl(app, query), key, headers);
  open.push(client);
  return client;
}

async function notify(userId: number, companyId: number, title = 'Hello') {
  const [row] = await insertNotifications(db(), [{ companyId, userId, type: 'lead_assigned', title }]);
  return row!;
}

beforeAll(async () => {
  beating = await startTestApp(ctx.t.config.databaseUrl!, { SSE_HEARTBEAT_SECONDS: '0.2' });
});

afterAll(async () => {
  for (const client of open) client.close();
  await beating?.close();
});

describe('stream: the response', () => {
  it('is an open text/event-stream that proxies leave alone, authenticated and rate limited once', async () => {
    const me = await makeTenant(db());
    const client = await openStream(ctx.t, me.readKey, { 'x-request-id': 'sse-test-1' });
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(client.headers.get('x-accel-buffering')).toBe('no');
    expect(client.headers.get('content-encoding')).toBeNull();
    expect(client.headers.get('x-request-id')).toBe('sse-test-1');
    const limit = Number(client.headers.get('x-ratelimit-limit'));
    expect(Number(client.headers.get('x-ratelimit-remaining'))).toBe(limit - 1);
    await waitFor(() => client.retries.length > 0, 1_000, 'the retry line');
    expect(client.retries).toEqual([3000]);
    expect(client.done).toBe(false);
    // The open stream spent one request of the key's budget, however long it stays open.
    await new Promise((r) => setTimeout(r, 300));
    const next = await api().get('/v1/notifications', { key: me.readKey });
    expect(Number(next.headers.get('x-ratelimit-remaining'))).toBe(limit - 2);
    client.close();
  });

  it('errors stay JSON: no key 401, a bad Last-Event-ID 400; HEAD answers the headers only', async () => {
    const me = await makeTenant(db());
    const anonymous = await fetch(streamUrl(ctx.t));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'Missing API key', code: 'unauthorized' });
    const bad = await fetch(streamUrl(ctx.t), {
      headers: { authorization: `Bearer ${me.readKey}`, 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await bad.json()) as any).error).toContain("'last-event-id'");
    const head = await fetch(streamUrl(ctx.t), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${me.readKey}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  });

  it('is documented in the OpenAPI document as text/event-stream', async () => {
    const doc = (await api().get('/v1/openapi.json')).body;
    const op = doc.paths['/v1/notifications/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['header:last-event-id', 'query:userId']),
    );
  });
});

describe('stream: live', () => {
  it("delivers a notification made by another request within a second, as the API's object", async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const { mine, answer } = await invite(api(), me.writeKey, them);
    const client = await openStream(ctx.t, me.readKey);
    await waitFor(() => client.retries.length > 0, 1_000, 'the stream to open');

    const started = Date.now();
    await answer('accept');
    const event = await client.waitFor((e) => e.event === 'notification', 1_000, 'the acceptance');
    expect(event.at - started).toBeLessThan(1_000);
    const sent = JSON.parse(event.data);
    expect(sent).toMatchObject({
      type: 'partnership_accepted',
      user_id: me.admin.id,
      data: { partner_id: mine.id },
    });
    expect(event.id).toBe(String(sent.id));
    expect((await api().get('/v1/notifications', { key: me.readKey })).body.data).toEqual([sent]);
  });

  it("carries only the stream user's notifications; an admin may stream another user's", async () => {
    const me = await makeTenant(db());
    const colleague = await makeUser(db(), me.company.id);
    const mine = await openStream(ctx.t, me.readKey);
    const theirs = await openStream(ctx.t, me.readKey, {}, `?userId=${colleague.id}`);
    const forColleague = await notify(colleague.id, me.company.id, 'for the colleague');
    const forMe = await notify(me.admin.id, me.company.id, 'for me');
    await mine.waitForNotification(forMe.id, 1_000);
    await theirs.waitForNotification(forColleague.id, 1_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(mine.notifications().map((n) => n.title)).toEqual(['for me']);
    expect(theirs.notifications().map((n) => n.title)).toEqual(['for the colleague']);
  });

  it('sends nothing from before the stream opened, unless asked with Last-Event-ID', async () => {
    const me = await makeTenant(db());
    const [first, second, third] = [
      await notify(me.admin.id, me.company.id, 'one'),
      await notify(me.admin.id, me.company.id, 'two'),
      await notify(me.admin.id, me.company.id, 'three'),
    ];
    const fresh = await openStream(ctx.t, me.readKey);
    const resumed = await openStream(ctx.t, me.readKey, { 'Last-Event-ID': String(first!.id) });
    await resumed.waitForNotification(third!.id, 1_000);
    const live = await notify(me.admin.id, me.company.id, 'four');
    await resumed.waitForNotification(live.id, 1_000);
    await fresh.waitForNotification(live.id, 1_000);
    expect(resumed.events.map((e) => e.id)).toEqual([second!.id, third!.id, live.id].map(String));
    expect(resumed.notifications().map((n) => n.title)).toEqual(['two', 'three', 'four']);
    expect(fresh.notifications().map((n) => n.title)).toEqual(['four']);
  });
});

describe("stream: a partner's lead", () => {
  it('the named partner user sees a lead sent with sendToPartner within a second, pointing at its copy', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const named = await makeUser(db(), them.company.id);
    const namedKey = (await makeApiKey(db(), them.company.id, 'read', { userId: named.id })).key;
    const { mine, answer } = await invite(api(), me.writeKey, them);
    await answer('accept');
    const client = await openStream(ctx.t, namedKey);
    await waitFor(() => client.retries.length > 0, 1_000, 'the stream to open');

    const started = Date.now();
    const sent = await sendLead(api(), me.writeKey, mine.partnership_id, [named.id], 'Umbrella Corp');
    const event = await client.waitFor((e) => e.event === 'notification', 1_000, 'the lead');
    expect(event.at - started).toBeLessThan(1_000);
    const notification = JSON.parse(event.data);
    expect(notification).toMatchObject({
      type: 'lead_received',
      user_id: named.id,
      title: `New lead from ${me.company.name}`,
      body: 'Umbrella Corp',
    });
    const copy = await api().get(`/v1/leads/${notification.data.lead_id}`, { key: namedKey });
    expect(copy.status).toBe(200);
    expect(copy.body.company_name).toBe('Umbrella Corp');
    expect(notification.data.lead_id).not.toBe(sent.id);
  });
});

describe('stream: across app instances', () => {
  it('a notification written through instance A reaches a stream held on instance B within a second', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const { answer } = await invite(api(), me.writeKey, them);
    const other = await startTestApp(ctx.t.config.databaseUrl!);
    try {
      const client = await openStream(other, me.readKey);
      await waitFor(() => client.retries.length > 0, 1_000, 'the stream to open');
      const started = Date.now();
      await answer('accept');
      const event = await client.waitFor((e) => e.event === 'notification', 1_000, 'the acceptance on B');
      expect(event.at - started).toBeLessThan(1_000);
      expect(JSON.parse(event.data).type).toBe('partnership_accepted');
    } finally {
      const closing = Date.now();
      await other.close();
      expect(Date.now() - closing).toBeLessThan(3_000);
    }
  });
});

describe('stream: staying up', () => {
  it('sends a heartbeat comment at the configured interval', async () => {
    const me = await makeTenant(db());
    const client = await openStream(beating, me.readKey);
    await waitFor(
      () => client.comments.filter((c) => c === 'heartbeat').length >= 2,
      1_500,
      'two heartbeats',
    );
    expect(client.done).toBe(false);
  });

  it('ends the stream once its key is revoked', async () => {
    const me = await makeTenant(db());
    const key = await makeApiKey(db(), me.company.id, 'read', { userId: me.admin.id });
    const client = await openStream(beating, key.key);
    await waitFor(() => client.retries.length > 0, 1_000, 'the stream to open');
    const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;
    await new ApiKeyService(db(), silent).revoke(key.id);
    await waitFor(() => client.done, 2_000, 'the stream to end');
  });

  it('catches up after its LISTEN connection was killed, then is live again', async () => {
    const me = await makeTenant(db());
    const client = await openStream(beating, me.readKey);
    await waitFor(() => client.retries.length > 0, 1_000, 'the stream to open');
    const listeners = () =>
      db().execute<{ pid: number }>(
        sql`SELECT pid FROM pg_stat_activity WHERE application_name = 'journeybee-listener' AND datname = current_database()`,
      );
    const before = (await listeners()).rows.map((r) => r.pid);
    // One listener per app instance on this database (the file's app and the heartbeat one).
    expect(before.length).toBe(2);
    await db().execute(
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'journeybee-listener' AND datname = current_database()`,
    );
    // Written while nobody listens: its NOTIFY is lost, the catch-up finds the row.
    const missed = await notify(me.admin.id, me.company.id, 'during the outage');
    await client.waitForNotification(missed.id, 3_000);
    await waitFor(
      async () => (await listeners()).rows.filter((r) => !before.includes(r.pid)).length === 2,
      3_000,
      'both listeners to reconnect',
    );
    const started = Date.now();
    const live = await notify(me.admin.id, me.company.id, 'after the outage');
    const event = await client.waitForNotification(live.id, 1_000);
    expect(event.at - started).toBeLessThan(1_000);
    expect(client.notifications().map((n) => n.title)).toEqual(['during the outage', 'after the outage']);
  });
});

describe('stream: shutdown', () => {
  it('app.close() ends open streams and completes promptly', async () => {
    const me = await makeTenant(db());
    const app = await startTestApp(ctx.t.config.databaseUrl!);
    const clients = [await openStream(app, me.readKey), await openStream(app, me.readKey)];
    await waitFor(() => clients.every((c) => c.retries.length > 0), 1_000, 'the streams to open');
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await Promise.all(clients.map((c) => c.ended));
    expect(clients.every((c) => c.done)).toBe(true);
  });
});
