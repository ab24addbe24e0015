/**
 * The database goes away under a running `journeybee serve` (built dist/) and comes back:
 *   - embedded: the server's own PostgreSQL in its data folder is stopped like a crash
 *     (`pg_ctl stop -m immediate`); the server starts it again by itself. While the test holds
 *     the data folder's startup lock the server cannot, so the outage lasts as long as the test
 *     needs it to;
 *   - external: a throwaway cluster on a port of its own (DATABASE_URL) is stopped with
 *     `pg_ctl stop -m fast` and started again by the test.
 * Both variants run whichever backend the run's global setup uses (neither touches it).
 *
 * During the outage every request answers 503 JSON within the contract's second (bounded here
 * at 1.5 s: a contract bound, not a benchmark), /readyz is 503, /healthz 200, nothing crashes;
 * after it, requests succeed again without a restart, every write that returned 2xx is there,
 * webhooks held back by the outage are delivered, and a browser-like SSE client that was
 * connected all along receives notifications created before, during the catch-up and after.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { lock } from 'proper-lockfile';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import * as schema from '../../src/db/schema/index.js';
import { ApiClient, type ApiResponse, uniq } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { SseClient } from '../helpers/notifications.js';
import { PgCluster, pgStop, postmasterOf } from '../helpers/pg-cluster.js';
import { killChildren, ServerProcess, waitFor } from '../helpers/process.js';
import { createWebhook, Receiver } from '../helpers/webhooks.js';

afterAll(killChildren);

/** The contract is "within a second"; the bound leaves room for a busy machine. */
const DEADLINE_MS = 1_500;
const UNAVAILABLE = { error: 'Service unavailable: the database cannot be reached', code: 'unavailable' };

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `jbtest:${uniq()}:` }
      : {}),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '100000',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    // Attempts every half second for 20 s: the receiver refuses until the database is back.
    WEBHOOK_RETRY_SCHEDULE: ['0', ...Array(40).fill('0.5')].join(','),
    JOURNEYBEE_SECRET_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

async function timed(send: () => Promise<ApiResponse>): Promise<ApiResponse & { ms: number }> {
  const start = performance.now();
  const res = await send();
  return Object.assign(res, { ms: performance.now() - start });
}

/** A sample of GET /metrics (no labels). */
async function metric(api: ApiClient, name: string): Promise<number | undefined> {
  const res = await api.get('/metrics');
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function expectUnavailable(res: ApiResponse & { ms: number }, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(503);
  expect(res.body, what).toEqual(UNAVAILABLE);
  expect(res.headers.get('content-type'), what).toBe('application/json; charset=utf-8');
  expect(res.headers.get('retry-after'), what).toBe('5');
  expect(res.ms, `${what} took ${Math.round(res.ms)} ms`).toBeLessThan(DEADLINE_MS);
}

/**
 * What a browser's EventSource does: on a stream that ends or drops, wait `retry` and reconnect
 * with `Last-Event-ID`; on any answer but 200 text/event-stream, give up for good (`failed`).
 */
class BrowserEventSource {
  readonly ids: number[] = [];
  connections = 0;
  failed: number | undefined;
  private current: SseClient | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  async open(): Promise<void> {
    const lastId = this.ids.at(-1);
    const client = await SseClient.open(
      this.url,
      this.key,
      lastId ? { 'last-event-id': String(lastId) } : {},
    );
    this.connections++;
    if (client.status !== 200 || !client.headers.get('content-type')?.startsWith('text/event-stream')) {
      this.failed = client.status;
      client.close();
      return;
    }
    this.current = client;
    const seen = new Set<SseClient['events'][number]>();
    const collect = () => {
      for (const e of client.events) {
        if (seen.has(e) || e.event !== 'notification') continue;
        seen.add(e);
        this.ids.push(Number(e.id));
      }
    };
    const timer = setInterval(collect, 20);
    void client.ended.then(async () => {
      clearInterval(timer);
      collect();
      if (this.closed) return;
      await new Promise((r) => setTimeout(r, client.retries.at(-1) ?? 3_000));
      if (!this.closed) await this.open().catch(() => this.open());
    });
  }

  async waitFor(ids: number[], ms: number): Promise<void> {
    await waitFor(
      () => ids.every((id) => this.ids.includes(id)),
      ms,
      `notifications ${ids.join(', ')} on the stream (got ${this.ids.join(', ')}; failed: ${this.failed})`,
    );
  }

  close(): void {
    this.closed = true;
    this.current?.close();
  }
}

interface Variant {
  name: 'embedded' | 'external';
  /** Starts the server on its database; returns the test's own connection string to it. */
  setUp(): Promise<{ server: ServerProcess; dbUrl: string }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  tearDown(): Promise<void>;
}

function externalVariant(): Variant {
  let cluster: PgCluster | undefined;
  return {
    name: 'external',
    async setUp() {
      cluster = await PgCluster.create();
      const admin = new pg.Client({ connectionString: cluster.url() });
      await admin.connect();
      await admin.query('CREATE DATABASE journeybee');
      await admin.end();
      const server = await ServerProcess.start(serverEnv({ DATABASE_URL: cluster.url('journeybee') }));
      return { server, dbUrl: cluster.url('journeybee') };
    },
    stop: () => cluster!.stop('fast'),
    start: () => cluster!.start(),
    tearDown: async () => cluster?.destroy(),
  };
}

function embeddedVariant(): Variant {
  let dataDir: string | undefined;
  let unlock: (() => Promise<void>) | undefined;
  const pgData = () => path.join(dataDir!, 'pg');
  return {
    name: 'embedded',
    async setUp() {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'jb-outage-data-'));
      const server = await ServerProcess.start(serverEnv({ JOURNEYBEE_DATA_DIR: dataDir }), 120_000);
      const creds = JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
      const { port } = postmasterOf(pgData())!;
      return { server, dbUrl: `postgres://${creds.user}:${creds.password}@127.0.0.1:${port}/journeybee` };
    },
    async stop() {
      // The server's own restart takes this lock (as its startup does): held, it must wait.
      unlock = await lock(dataDir!, {
        lockfilePath: path.join(dataDir!, 'startup.lock'),
        realpath: false,
        stale: 15_000,
        update: 3_750,
        retries: { retries: 100, factor: 1, minTimeout: 100, maxTimeout: 100 },
      });
      await pgStop(pgData(), 'immediate');
    },
    async start() {
      // The server notices its PostgreSQL is gone and starts it itself, once the lock is free.
      await unlock?.();
      unlock = undefined;
    },
    async tearDown() {
      await unlock?.().catch(() => {});
      if (!dataDir) return;
      if (postmasterOf(pgData())) await pgStop(pgData(), 'immediate').catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each([embeddedVariant(), externalVariant()])('outage: $name database', (variant) => {
  afterAll(async () => {
    await killChildren();
    await variant.tearDown();
  });

  it('503 JSON within a second while it is down; recovers by itself, nothing lost', async () => {
    const { server, dbUrl } = await variant.setUp();
    const api = new ApiClient(server.url);
    // The test's own pool on the same database (named so embedded release() does not count it).
    const pool = new pg.Pool({ connectionString: dbUrl, max: 2, application_name: 'outage-test' });
    pool.on('error', () => {});
    const db = drizzle(pool, { schema }) as unknown as Db;
    const receiver = await Receiver.start();
    let stream: BrowserEventSource | undefined;
    try {
      const me = await makeTenant(db);
      const ann = await makeUser(db, me.company.id);
      const annKey = await makeApiKey(db, me.company.id, 'read', { userId: ann.id });
      await createWebhook(api, me.writeKey, { url: receiver.url, events: ['leads.create'] });
      // The receiver refuses until the database is back: those deliveries wait through the outage.
      let receiving = false;
      receiver.reply = () => (receiving ? 200 : 500);

      stream = new BrowserEventSource(`${server.url}/v1/notifications/stream`, annKey.key);
      await stream.open();
      expect(stream.failed).toBeUndefined();

      // Each write that returned 2xx: the lead (POST), and its assignment to Ann (PATCH), which
      // notifies her.
      const created: { id: number; uuid: string }[] = [];
      const assigned: number[] = [];
      const campaign = await api.post('/v1/campaigns', { key: me.writeKey, body: { title: 'Outage' } });
      expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
      const run = uniq();
      const createLead = (name: string, idempotencyKey?: string) =>
        api.post('/v1/leads', {
          key: me.writeKey,
          headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
          body: {
            company_name: name,
            email: `${name}-${run}@example.test`,
            associationType: 'campaigns',
            companyCampaignId: (campaign.body as { id: number }).id,
          },
        });
      const assign = (id: number) =>
        api.patch(`/v1/leads/${id}`, { key: me.writeKey, body: { assignedUsers: [ann.id] } });
      const createAndAssign = async (name: string, idempotencyKey?: string) => {
        const res = await createLead(name, idempotencyKey);
        if (res.status !== 201) return res;
        created.push(res.body as { id: number; uuid: string });
        const patched = await assign((res.body as { id: number }).id);
        if (patched.status === 200) assigned.push((res.body as { id: number }).id);
        return patched;
      };
      for (let i = 0; i < 5; i++) {
        const res = await createAndAssign(`before-${i}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      // Each lead notifies Ann; the stream has them before the outage begins.
      const notificationIds = async () =>
        (
          await pool.query<{ id: number }>(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY id`, [
            ann.id,
          ])
        ).rows.map((r) => Number(r.id));
      await waitFor(async () => (await notificationIds()).length === 5, 10_000, '5 notifications');
      await stream.waitFor(await notificationIds(), 5_000);

      // Traffic while the database stops: whatever was in flight answers 2xx or 503, never hangs.
      let load = true;
      const answers: { status: number; ms: number; body: unknown; text: string }[] = [];
      /** Creates refused during the outage, to retry with their Idempotency-Key afterwards. */
      const refused: string[] = [];
      let n = 0;
      const traffic = (async () => {
        while (load) {
          const name = `during-${n++}`;
          const batch = await Promise.all([
            timed(() => api.get('/v1/leads?pageSize=5', { key: me.readKey })),
            timed(async () => {
              const res = await createLead(name, name);
              if (res.status === 201) created.push(res.body as { id: number; uuid: string });
              else refused.push(name);
              return res;
            }),
            timed(() => api.get(`/v1/leads/${created[0]!.id}`, { key: me.readKey })),
          ]);
          answers.push(...batch);
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      await variant.stop();
      await waitFor(() => answers.some((a) => a.status === 503), 5_000, 'a first 503');
      await new Promise((r) => setTimeout(r, 300));
      load = false;
      await traffic;
      for (const a of answers) {
        expect([200, 201, 503], a.text).toContain(a.status);
        if (a.status === 503) expect(a.body).toEqual(UNAVAILABLE);
        expect(a.ms, `a request took ${Math.round(a.ms)} ms`).toBeLessThan(DEADLINE_MS);
      }

      // Down: every kind of request, a few times over.
      for (let round = 0; round < 3; round++) {
        expectUnavailable(await timed(() => api.get('/v1/leads', { key: me.readKey })), 'GET /v1/leads');
        expectUnavailable(await timed(() => createLead('refused')), 'POST /v1/leads');
        expectUnavailable(
          await timed(() => api.get(`/v1/leads/${created[0]!.id}`, { key: me.readKey })),
          'GET /v1/leads/{id}',
        );
        const ready = await timed(() => api.get('/readyz'));
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({ code: 'unavailable' });
        expect(ready.ms).toBeLessThan(DEADLINE_MS);
        expect((await api.get('/healthz')).status).toBe(200);
      }
      expect(server.exit).toBeUndefined();
      expect(stream.failed).toBeUndefined();
      expect(await metric(api, 'journeybee_database_up')).toBe(0);

      // Back up: the server serves again without a restart.
      await variant.start();
      await waitFor(
        async () => (await api.get('/v1/leads?pageSize=1', { key: me.readKey })).status === 200,
        30_000,
        'requests to succeed again',
      );
      expect((await api.get('/readyz')).status).toBe(200);
      await waitFor(async () => (await metric(api, 'journeybee_database_up')) === 1, 5_000, 'database_up 1');
      expect(await metric(api, 'journeybee_database_outages_total')).toBe(1);
      receiving = true;
      const after = await createAndAssign('after');
      expect(after.status, JSON.stringify(after.body)).toBe(200);
      // A create cut by the outage: its retry with the same key succeeds (or replays, had it
      // committed after all), once the key its request reserved is freed (within a second or so).
      for (const name of refused) {
        let retry: ApiResponse | undefined;
        await waitFor(
          async () => {
            retry = await createLead(name, name);
            return retry.status !== 409;
          },
          10_000,
          `the key ${name} to be free`,
        );
        expect(retry!.status, retry!.text).toBe(201);
        created.push(retry!.body as { id: number; uuid: string });
      }

      // Every 2xx write is there, once.
      const { rows } = await pool.query<{ id: number }>(
        `SELECT id FROM leads WHERE company_id = $1 ORDER BY id`,
        [me.company.id],
      );
      const ids = created.map((c) => c.id).sort((a, b) => a - b);
      for (const id of ids) expect(rows.map((r) => r.id)).toContain(id);

      // Every lead's event relayed exactly once: one notification and one delivery per lead.
      await waitFor(
        async () => (await pool.query('SELECT 1 FROM events WHERE relayed_at IS NULL')).rowCount === 0,
        10_000,
        'the relay to catch up',
      );
      const perLead = await pool.query<{ lead_id: number; n: number }>(
        `SELECT (data->>'lead_id')::int AS lead_id, count(*)::int AS n FROM notifications
         WHERE user_id = $1 GROUP BY 1`,
        [ann.id],
      );
      for (const id of assigned) expect(perLead.rows.find((r) => r.lead_id === id)?.n, `lead ${id}`).toBe(1);
      const deliveries = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE e.company_id = $1 AND e.type = 'leads.create' GROUP BY d.event_id HAVING count(*) > 1`,
        [me.company.id],
      );
      expect(deliveries.rows).toEqual([]);

      // Webhooks held back by the outage, and the one written after it, all arrive.
      const uuids = created.map((c) => c.uuid);
      await waitFor(
        () => {
          const delivered = new Set(
            receiver.received
              .filter((r) => r.json?.type === 'leads.create')
              .map((r) => r.json.data.lead.uuid as string),
          );
          return uuids.every((u) => delivered.has(u));
        },
        20_000,
        `webhooks for all ${uuids.length} leads`,
      );

      // The browser's stream (never refused) gets every notification, the new one included.
      await stream.waitFor(await notificationIds(), 15_000);
      expect(stream.failed).toBeUndefined();
      expect(new Set(stream.ids).size).toBe(stream.ids.length);

      // The log says it once each way; no 500 and no unhandled error anywhere.
      await waitFor(
        () => server.logLines().some((l) => l.msg === 'database available again'),
        5_000,
        'the recovery log line',
      );
      const lines = server.logLines();
      expect(lines.filter((l) => l.msg === 'database unavailable')).toHaveLength(1);
      expect(lines.filter((l) => l.msg === 'database available again')).toHaveLength(1);
      expect(lines.filter((l) => l.statusCode === 500)).toEqual([]);
      expect(lines.filter((l) => /unhandled|uncaught/i.test(String(l.msg)))).toEqual([]);
      expect(server.stderr).toBe('');
      expect(server.exit).toBeUndefined();
    } catch (err) {
      // The server's side of a failure: its last log lines.
      const tail = `${server.stdout.split('\n').slice(-60).join('\n')}\nstderr: ${server.stderr}`;
      throw Object.assign(err as Error, {
        message: `${(err as Error).message}\n--- server log ---\n${tail}`,
      });
    } finally {
      stream?.close();
      await receiver.close();
      await pool.end();
      server.kill('SIGTERM');
      await server.waitForExit(15_000).catch(() => server.kill('SIGKILL'));
    }
  }, 180_000);
});
