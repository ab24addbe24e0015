/**
 * Durability across `kill -9` of `journeybee serve` (built dist/): a write that returned 2xx
 * is committed, and an Idempotency-Key retry after the crash replays it instead of redoing it.
 *
 * Log lines are not part of that guarantee: pino writes them asynchronously, after the response
 * (onResponse), so `kill -9` may drop the last ones, or more when the pipe to us is full, and may
 * cut one in half. The log checks therefore count lines only on a server that is still running
 * (waiting until they have arrived) and only scan what a killed server left.
 */
import http from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { ApiClient, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { childEnv, killChildren, ServerProcess, waitFor } from '../helpers/process.js';

const ctx = useTestApp();
// Children first (hooks run last-registered first), then the app and the database.
afterAll(killChildren);

interface Created {
  id: number;
  email: string;
}

/** POST /v1/users on a fresh connection; resolves with the status and parsed body. */
function createUser(url: string, key: string, email: string, idempotencyKey?: string) {
  return new Promise<{ status: number; body: any; replayed: boolean }>((resolve, reject) => {
    const payload = JSON.stringify({ email });
    const req = http.request(`${url}/v1/users`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          body: JSON.parse(text),
          replayed: res.headers['idempotent-replayed'] === 'true',
        }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectAllThere(api: ApiClient, key: string, users: Created[]): Promise<void> {
  const found = await Promise.all(users.map((u) => api.get(`/v1/users/${u.id}`, { key })));
  for (const [i, res] of found.entries()) {
    expect(res.status, `user ${users[i]!.id}`).toBe(200);
    expect(res.body.email).toBe(users[i]!.email);
  }
}

it('every 2xx write survives SIGKILL right after its response; idempotent retries replay', async () => {
  // Separate keys for writing and checking, so the per-key rate limit (shared across processes
  // through Redis when REDIS_URL is set) stays far away.
  const tenant = await makeTenant(ctx.t.database.db);
  const run = uniq();
  const created: Created[] = [];

  // Round 1: sequential writes, SIGKILL synchronously on the last 201.
  const first = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'trace' }));
  for (let i = 0; i < 20; i++) {
    const email = `seq-${run}-${i}@x.example`;
    const res = await createUser(
      first.url,
      tenant.writeKey,
      email,
      i % 5 === 0 ? `seq-${run}-${i}` : undefined,
    );
    if (i === 19) first.kill('SIGKILL');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    created.push({ id: res.body.id, email });
  }
  expect(await first.waitForExit(5_000)).toEqual({ code: null, signal: 'SIGKILL' });
  // Whatever of its trace-level log survived holds no key (the whole log is checked on the third).
  expect(first.stdout + first.stderr).not.toContain(secretOf(tenant.writeKey));

  // A new server on the same database; silent logging still starts (and logs nothing).
  const second = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'silent' }));
  expect(second.stdout).toBe('');
  const secondApi = new ApiClient(second.url);
  await expectAllThere(secondApi, tenant.readKey, created);

  // Idempotent retries of round 1's keyed writes: replayed, not redone.
  for (const i of [0, 5, 10, 15]) {
    const retry = await createUser(
      second.url,
      tenant.writeKey,
      `seq-${run}-${i}@x.example`,
      `seq-${run}-${i}`,
    );
    expect(retry.status).toBe(201);
    expect(retry.replayed).toBe(true);
    expect(retry.body.id).toBe(created[i]!.id);
  }

  // Round 2: thirty concurrent writes on separate connections; SIGKILL on the last 201.
  const batch = Array.from({ length: 30 }, (_, i) => `par-${run}-${i}@x.example`);
  let answered = 0;
  const results = await Promise.all(
    batch.map((email, i) =>
      createUser(second.url, tenant.writeKey, email, i % 3 === 0 ? `par-${run}-${i}` : undefined).then(
        (res) => {
          answered += 1;
          if (answered === batch.length) second.kill('SIGKILL');
          return res;
        },
      ),
    ),
  );
  expect(await second.waitForExit(5_000)).toEqual({ code: null, signal: 'SIGKILL' });
  expect(second.stdout + second.stderr).toBe('');
  for (const [i, res] of results.entries()) {
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    created.push({ id: res.body.id, email: batch[i]! });
  }
  expect(new Set(created.map((u) => u.id)).size).toBe(50);

  const third = await ServerProcess.start(childEnv(ctx.dbUrl, { LOG_LEVEL: 'trace' }));
  const thirdApi = new ApiClient(third.url);
  await expectAllThere(thirdApi, tenant.readKey, created);
  const retry = await createUser(third.url, tenant.writeKey, batch[0]!, `par-${run}-0`);
  expect(retry).toMatchObject({ status: 201, replayed: true, body: { id: created[20]!.id } });

  // Exactly the admin and the 50 writes: nothing lost, nothing doubled.
  const list = await thirdApi.get('/v1/users?pageSize=1', { key: tenant.readKey });
  expect(list.body.meta['record-count']).toBe(51);

  // Even at trace level the log never holds a key: checked on the whole log of the 52 API
  // requests above, once every line has arrived (a live server writes them all, eventually).
  const apiLines = () =>
    third.stdout
      .split('\n')
      .filter((line) => line.includes('"msg":"request completed"') && line.includes('"path":"/v1/'));
  await waitFor(() => apiLines().length >= 52, 15_000, 'the log lines of the 52 API requests');
  third.kill('SIGTERM');
  expect(await third.waitForExit(5_000)).toEqual({ code: 0, signal: null });
  // Every complete line is JSON (one written during exit may be cut short: not guaranteed).
  const lines = third.stdout
    .slice(0, third.stdout.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const completed = lines.filter((l) => l.msg === 'request completed' && String(l.path).startsWith('/v1/'));
  expect(completed).toHaveLength(52);
  expect(third.stdout).not.toContain(secretOf(tenant.writeKey));
  expect(third.stdout).not.toContain(secretOf(tenant.readKey));
  expect(third.stderr).toBe('');
  // Three server starts (each allowed 30 s to get ready) on a loaded machine: more than the default.
}, 120_000);

/** The part of a key that makes it secret (every key starts with `jb_api_`). */
function secretOf(key: string): string {
  return key.slice('jb_api_'.length);
}
