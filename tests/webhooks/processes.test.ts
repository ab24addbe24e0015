/**
 * Deliveries across real `journeybee serve` processes (the built dist/) on one database: kill -9
 * in the middle of a delivery loses nothing, two servers deliver each event exactly once, and
 * SIGTERM gives an unfinished send back for another process to make.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { webhookAttempts, webhookDeliveries } from '../../src/db/schema/index.js';
import { ApiClient, createTestDatabase, uniq } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';
import { createWebhook, type Received, Receiver, verify } from '../helpers/webhooks.js';

let database: Database;
let drop: () => Promise<void>;
let env: NodeJS.ProcessEnv;
const receivers: Receiver[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  database = await openDatabase(
    loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4' }),
    pino({ level: 'silent' }),
  );
  // Every process must hold the same key to decrypt the signing secrets.
  env = childEnv(db.url, {
    JOURNEYBEE_SECRET_KEY: randomBytes(32).toString('hex'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.4',
    WEBHOOK_TIMEOUT_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '2000',
    RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'debug',
  });
});

afterAll(async () => {
  await killChildren();
  for (const r of receivers) await r.close().catch(() => {});
  await database?.close();
  await drop?.();
});

async function receiver(): Promise<Receiver> {
  const r = await Receiver.start();
  receivers.push(r);
  return r;
}

/** A reply that holds the response until the test lets it go (or the connection dies). */
function holdUntilReleased() {
  let release = () => {};
  const held = new Promise<number>((resolve) => {
    release = () => resolve(200);
  });
  return { held, release };
}

async function deliveriesOf(webhookId: number) {
  return database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpoint_id, webhookId));
}

function expectNoSecretIn(servers: ServerProcess[], secret: string) {
  const raw = secret.slice('whsec_'.length);
  for (const s of servers) {
    expect(s.stdout + s.stderr).not.toContain(raw);
  }
}

async function createUser(api: ApiClient, key: string, email = `p-${uniq()}@example.test`) {
  const res = await api.post('/v1/users', { key, body: { email } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return email;
}

/**
 * A server, an endpoint on a receiver that takes the request but does not answer until
 * `release()`, and one users.create event: returns once that delivery is in flight.
 */
async function deliveryInFlight() {
  const tenant = await makeTenant(database.db);
  const hook = await receiver();
  const server = await ServerProcess.start(env);
  const webhook = await createWebhook(new ApiClient(server.url), tenant.writeKey, {
    url: hook.url,
    events: ['users.create'],
  });
  const { held, release } = holdUntilReleased();
  hook.reply = () => held;
  const email = await createUser(new ApiClient(server.url), tenant.writeKey);
  const [inFlight] = await hook.waitForCount(1);
  return { hook, server, webhook, release, email, inFlight: inFlight! };
}

it('kill -9 in the middle of a delivery loses nothing: the next server delivers it', async () => {
  const { hook, server: first, webhook, release, email, inFlight } = await deliveryInFlight();

  first.kill('SIGKILL');
  expect((await first.waitForExit(5_000)).signal).toBe('SIGKILL');
  const [row] = await deliveriesOf(webhook.id);
  expect(row).toMatchObject({ status: 'pending', attempts: 1 });

  hook.reply = () => 200;
  const second = await ServerProcess.start(env);
  try {
    // Claimed again once the dead process's lease expires (timeout + margin: 3 s here).
    const [, again] = await hook.waitForCount(2, 15_000);
    release();
    expect(again!.headers['webhook-id']).toBe(inFlight.headers['webhook-id']);
    const payload = verify(webhook.secret, again!);
    expect(payload).toMatchObject({ type: 'users.create', data: { user: { email } } });
    expect(payload.id).toBe(inFlight.json.id);
    await waitFor(async () => (await deliveriesOf(webhook.id))[0]!.status === 'succeeded', 5_000, 'success');
    const [done] = await deliveriesOf(webhook.id);
    expect(done).toMatchObject({ attempts: 2, last_status_code: 200 });
    await sleep(500);
    expect(hook.received).toHaveLength(2);
    expectNoSecretIn([first, second], webhook.secret);
  } finally {
    second.kill('SIGTERM');
    await second.waitForExit(10_000);
  }
});

it('two server processes on one database deliver each of 50 events exactly once, sharing the work', async () => {
  const tenant = await makeTenant(database.db);
  const hook = await receiver();
  // A little latency per answer, so both workers have work in flight at once.
  hook.reply = async () => {
    await sleep(30);
    return 200;
  };
  const servers = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  try {
    const apis = servers.map((s) => new ApiClient(s.url));
    const webhook = await createWebhook(apis[0]!, tenant.writeKey, {
      url: hook.url,
      events: ['users.create'],
    });
    const emails: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const made = await Promise.all(
        Array.from({ length: 10 }, (_, i) => createUser(apis[(batch + i) % 2]!, tenant.writeKey)),
      );
      emails.push(...made);
    }
    await hook.waitForCount(50, 15_000);
    await sleep(1_500); // longer than the poll interval: any duplicate would have arrived
    expect(hook.received).toHaveLength(50);
    const ids = new Set(hook.received.map((r: Received) => r.headers['webhook-id']));
    expect(ids.size).toBe(50);
    const got = hook.received.map((r) => verify(webhook.secret, r).data.user.email);
    expect(got.sort()).toEqual(emails.sort());

    const rows = await deliveriesOf(webhook.id);
    expect(rows).toHaveLength(50);
    for (const r of rows) expect(r).toMatchObject({ status: 'succeeded', attempts: 1 });
    const attempts = await database.db
      .select()
      .from(webhookAttempts)
      .where(
        inArray(
          webhookAttempts.delivery_id,
          rows.map((r) => r.id),
        ),
      );
    expect(attempts).toHaveLength(50);

    // Each process logged the attempts it made: both worked, never on the same delivery.
    const madeBy = servers.map(
      (s) =>
        new Set(
          s
            .logLines()
            .filter((l) => l.msg === 'webhook attempt' && l.webhook === webhook.id)
            .map((l) => l.delivery as number),
        ),
    );
    expect(madeBy[0]!.size + madeBy[1]!.size).toBe(50);
    expect([...madeBy[0]!].filter((id) => madeBy[1]!.has(id))).toEqual([]);
    expect(madeBy[0]!.size).toBeGreaterThan(0);
    expect(madeBy[1]!.size).toBeGreaterThan(0);
  } finally {
    for (const s of servers) s.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.waitForExit(10_000)));
  }
}, 90_000);

it('SIGTERM gives a send still in flight back untried; the next server delivers it', async () => {
  const { hook, server, webhook, release } = await deliveryInFlight();

  const stopping = Date.now();
  server.kill('SIGTERM');
  // Grace for sends in flight: min(WEBHOOK_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS / 2) = 1 s.
  expect(await server.waitForExit(5_000)).toEqual({ code: 0, signal: null });
  expect(Date.now() - stopping).toBeLessThan(2_000);
  release();
  const [row] = await deliveriesOf(webhook.id);
  expect(row).toMatchObject({ status: 'pending', attempts: 0, locked_until: null });
  expect(
    await database.db.select().from(webhookAttempts).where(eq(webhookAttempts.delivery_id, row!.id)),
  ).toEqual([]);

  hook.reply = () => 200;
  const next = await ServerProcess.start(env);
  try {
    await hook.waitForCount(2, 5_000);
    await waitFor(async () => (await deliveriesOf(webhook.id))[0]!.status === 'succeeded', 5_000, 'success');
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ attempts: 1 });
    expectNoSecretIn([server, next], webhook.secret);
  } finally {
    next.kill('SIGTERM');
    await next.waitForExit(10_000);
  }
});
