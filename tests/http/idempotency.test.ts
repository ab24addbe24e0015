import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant } from '../helpers/factories.js';
import { countUsers, countUsersWithEmail } from '../helpers/queries.js';

// Contract row "idempotency": POST takes `Idempotency-Key` (≤ 255 chars); a retry with the
// same key and body replays the first response (status and bytes) without redoing the work;
// the same key with another body is 409; keys are scoped per API key.

const ctx = useTestApp();

const newEmail = () => `idem-${uniq()}@example.test`;
const newKey = () => `idem-key-${uniq()}`;

function post(apiKey: string, idempotencyKey: string, body: unknown, path = '/v1/users') {
  return ctx.t.api.post(path, { key: apiKey, body, headers: { 'idempotency-key': idempotencyKey } });
}

describe('idempotency: replays', () => {
  it('same key + same body → the first response, byte for byte, marked as replayed; one user', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const key = newKey();
    const body = { email, first_name: 'Ida', last_name: 'Empotent' };

    const first = await post(writeKey, key, body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    for (let i = 0; i < 3; i++) {
      const again = await post(writeKey, key, body);
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    }
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(1);
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(2);
  });

  it('the same body with its keys in another order is the same request', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const key = newKey();
    const first = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: `{"email":"${email}","first_name":"A","last_name":"B"}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    const again = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: `{ "last_name": "B", "first_name": "A", "email": "${email}" }`,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(1);
  });

  it('a 4xx first response is replayed too, even after the cause went away', async () => {
    const { writeKey, admin } = await makeTenant(ctx.t.database.db);
    const key = newKey();
    const first = await post(writeKey, key, { email: admin.email });
    expect(first.status).toBe(409);

    // Free the email: a fresh request would now succeed…
    expect(
      (await ctx.t.api.patch(`/v1/users/${admin.id}`, { key: writeKey, body: { email: newEmail() } })).status,
    ).toBe(200);
    expect((await post(writeKey, newKey(), { email: newEmail() })).status).toBe(201);

    // …but the retry gets the recorded answer.
    const again = await post(writeKey, key, { email: admin.email });
    expect(again.status).toBe(409);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('concurrent retries with one key do the work once', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const key = newKey();
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(writeKey, key, { email })));
    const statuses = responses.map((r) => r.status);
    for (const s of statuses) expect([201, 409]).toContain(s);
    const original = responses.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed'));
    expect(original).toHaveLength(1);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body).toEqual({
        error: 'A request with this Idempotency-Key is still being processed',
        code: 'conflict',
      });
    }
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(1);

    const later = await post(writeKey, key, { email });
    expect(later.status).toBe(201);
    expect(later.text).toBe(original[0]!.text);
  });

  it('without the header, a retry is a new request', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    expect((await ctx.t.api.post('/v1/users', { key: writeKey, body: { email } })).status).toBe(201);
    const again = await ctx.t.api.post('/v1/users', { key: writeKey, body: { email } });
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('idempotency: conflicts and limits', () => {
  it('same key + different body → 409, and nothing is created', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const key = newKey();
    expect((await post(writeKey, key, { email: newEmail() })).status).toBe(201);
    const before = await countUsers(ctx.t.database.db, company.id);

    const other = newEmail();
    for (const body of [{ email: other }, { email: other, first_name: 'x' }]) {
      const res = await post(writeKey, key, body);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        error: 'Idempotency-Key was already used with a different request; use a new key for a new request',
        code: 'conflict',
      });
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(before);
  });

  it('keys are scoped per API key: another key reuses the same string independently', async () => {
    const a = await makeTenant(ctx.t.database.db);
    const secondKey = (await makeApiKey(ctx.t.database.db, a.company.id, 'write')).key;
    const otherCompany = await makeTenant(ctx.t.database.db);
    const key = newKey();
    const bodyA = { email: newEmail() };
    const bodyB = { email: newEmail() };

    const firstA = await post(a.writeKey, key, bodyA);
    expect(firstA.status).toBe(201);

    // Same company, another API key, another body: not a 409, its own new request.
    const firstB = await post(secondKey, key, bodyB);
    expect(firstB.status).toBe(201);
    expect(firstB.headers.get('idempotent-replayed')).toBeNull();
    expect(firstB.body.id).not.toBe(firstA.body.id);

    // Same company, another key, A's body: executed (and refused as a duplicate), not replayed.
    const dupB = await post(secondKey, `${key}-2`, bodyA);
    expect(dupB.status).toBe(409);

    // Another company, A's key string and body: a fresh create there.
    const firstC = await post(otherCompany.writeKey, key, bodyA);
    expect(firstC.status).toBe(201);
    expect(firstC.headers.get('idempotent-replayed')).toBeNull();

    // Each key replays its own first answer.
    expect((await post(a.writeKey, key, bodyA)).text).toBe(firstA.text);
    expect((await post(secondKey, key, bodyB)).text).toBe(firstB.text);
    expect((await post(otherCompany.writeKey, key, bodyA)).text).toBe(firstC.text);
    expect(await countUsers(ctx.t.database.db, a.company.id)).toBe(3);
    expect(await countUsers(ctx.t.database.db, otherCompany.company.id)).toBe(2);
  });

  it('a key of 255 characters is accepted; 256 and more → 400', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const ok = await post(writeKey, 'k'.repeat(255), { email: newEmail() });
    expect(ok.status).toBe(201);

    for (const key of ['k'.repeat(256), 'k'.repeat(1000)]) {
      const email = newEmail();
      const res = await post(writeKey, key, { email });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Idempotency-Key must be 1 to 255 characters', code: 'bad_request' });
      expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(0);
    }
  });

  it('an empty key → 400', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await post(writeKey, '', { email: newEmail() });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Idempotency-Key must be 1 to 255 characters', code: 'bad_request' });
  });

  it('only POST is covered: a PATCH with an Idempotency-Key is simply executed', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const key = newKey();
    const body = { email: newEmail() };
    expect((await post(writeKey, key, body)).status).toBe(201);
    const patched = await ctx.t.api.patch('/v1/users/2147483647', {
      key: writeKey,
      body: { first_name: 'x' },
      headers: { 'idempotency-key': key },
    });
    expect(patched.status).toBe(404);
    expect(patched.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('idempotency: stored responses at rest', () => {
  it('keeps the stored response encrypted (a webhook secret shown once is not readable in the database) and still replays it exactly', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const key = `at-rest-${uniq()}`;
    const email = `at-rest-${uniq()}@example.test`;
    const first = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      body: { email },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    const { rows } = await ctx.t.database.pool.query<{ response_body: string }>(
      'SELECT response_body FROM idempotency_keys WHERE key = $1',
      [key],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.response_body).not.toContain(email);
    expect(rows[0]!.response_body).not.toContain('"id"');
    const replay = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      body: { email },
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
  });
});
