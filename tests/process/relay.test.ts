/**
 * The outbox relay across real `journeybee serve` processes (built dist/): a write commits its
 * event and nothing else; the relay of any process turns it into webhook deliveries and
 * notifications exactly once, also when the process relaying it is killed with SIGKILL halfway
 * and when several processes relay at the same time.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';

// The in-process app only sets things up: its relay is off, the children's relays do the work.
const ctx = useTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, { relay: false });
afterAll(killChildren);

const env = () => childEnv(ctx.dbUrl, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', LOG_LEVEL: 'warn' });
const db = () => ctx.t.database.db;

/** A company with an endpoint subscribed to `users.create` (at a port nobody answers on). */
async function tenantWithEndpoint() {
  const tenant = await makeTenant(db());
  const res = await ctx.t.api.post('/v1/webhooks', {
    key: tenant.writeKey,
    body: { url: 'http://127.0.0.1:9/hooks', events: ['users.create'] },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return tenant;
}

/** The highest event id so far: the events a test makes come after it. */
const lastEventId = async () =>
  Number((await db().execute<{ id: string | null }>(sql`SELECT max(id) AS id FROM events`)).rows[0]!.id ?? 0);

/** The deliveries of each event after `afterId`, by event. */
async function deliveriesByEvent(afterId: number): Promise<Map<number, number>> {
  const { rows } = await db().execute<{ event_id: string; n: number }>(sql`
    SELECT e.id AS event_id, count(d.id)::int AS n
    FROM events e LEFT JOIN webhook_deliveries d ON d.event_id = e.id
    WHERE e.id > ${afterId}
    GROUP BY e.id`);
  return new Map(rows.map((r) => [Number(r.event_id), r.n]));
}

const unrelayed = async (afterId: number) =>
  (
    await db().execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM events WHERE id > ${afterId} AND relayed_at IS NULL`,
    )
  ).rows[0]!.n;

describe('relay: kill -9 between commit and relay', () => {
  it('an event whose relay died with its process is relayed once by the next process', async () => {
    const tenant = await tenantWithEndpoint();
    // Setting up recorded events of its own (users.create of the tenant's admin): relay them first.
    await ServerProcess.start(env()).then(async (s) => {
      await waitFor(async () => (await unrelayed(0)) === 0, 10_000, 'the setup relayed');
      s.proc.kill('SIGKILL');
      await s.waitForExit(10_000);
    });
    const before = await lastEventId();
    // Hold the relay halfway: it claims the event, then waits for this lock to write the delivery.
    const blocker = new pg.Client({ connectionString: ctx.dbUrl, application_name: 'relay-test-blocker' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE webhook_deliveries IN SHARE MODE');

      const first = await ServerProcess.start(env());
      const api = new ApiClient(first.url);
      const created = await api.post('/v1/users', {
        key: tenant.writeKey,
        body: { email: `relay-${uniq()}@example.test` },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      // The event is committed; the first process's relay is stuck writing its delivery.
      await waitFor(
        async () => {
          // Not on the blocker's connection: inside its transaction the view is a frozen snapshot.
          const { rows } = await db().execute(sql`
            SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query ILIKE '%queued AS%INSERT INTO webhook_deliveries%'`);
          return rows.length > 0;
        },
        10_000,
        'the relay to wait on the lock',
      );
      first.proc.kill('SIGKILL');
      await first.waitForExit(10_000);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }
    // The dead process's transaction never commits: the event is unrelayed again.
    await waitFor(async () => (await unrelayed(before)) === 1, 10_000, 'the claim to roll back');
    expect([...(await deliveriesByEvent(before)).values()]).toEqual([0]);

    await ServerProcess.start(env());
    await waitFor(async () => (await unrelayed(before)) === 0, 10_000, 'the next relay');
    expect([...(await deliveriesByEvent(before)).values()]).toEqual([1]);
  }, 90_000);
});

describe('relay: several processes', () => {
  it('share the events without relaying any twice', async () => {
    const tenant = await tenantWithEndpoint();
    const servers = await Promise.all([ServerProcess.start(env()), ServerProcess.start(env())]);
    await waitFor(async () => (await unrelayed(0)) === 0, 10_000, 'the setup relayed');
    const before = await lastEventId();
    const apis = servers.map((s) => new ApiClient(s.url));
    const count = 120;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        apis[i % apis.length]!.post('/v1/users', {
          key: tenant.writeKey,
          body: { email: `many-${i}-${uniq()}@example.test` },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(count).fill(201));
    await waitFor(async () => (await unrelayed(before)) === 0, 30_000, 'every event relayed');
    const deliveries = await deliveriesByEvent(before);
    expect(deliveries.size).toBe(count);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
