import { describe, expect, it } from 'vitest';
import { type RequestOptions, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { countUsers, countUsersWithEmail } from '../helpers/queries.js';

// Contract row "content type": JSON bodies only (415 otherwise), in UTF-8 only (another charset
// 415, invalid bytes 400), malformed JSON 400, over 1 MiB 413, nothing written by a refused
// request, and every response `application/json; charset=utf-8`. Content-Encoding:
// content-encoding.test.ts.

const ctx = useTestApp();

const JSON_UTF8 = 'application/json; charset=utf-8';
const UNSUPPORTED = { error: 'Content-Type must be application/json', code: 'unsupported_media_type' };
const MALFORMED = { error: 'Malformed JSON in request body', code: 'bad_request' };
const TOO_LARGE = { error: 'Request body is larger than the 1 MiB limit', code: 'payload_too_large' };
const MIB = 1024 * 1024;

const newEmail = () => `ct-${uniq()}@example.test`;

/** A valid create-user body as JSON text of exactly `bytes` bytes (padding in `position`). */
function bodyOfSize(email: string, bytes: number): string {
  const empty = JSON.stringify({ email, position: '' });
  return JSON.stringify({ email, position: 'p'.repeat(bytes - Buffer.byteLength(empty)) });
}

describe('content type: request bodies', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain with charset', 'text/plain; charset=utf-8'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=xyz'],
    ['XML', 'application/xml'],
    ['a JSON look-alike', 'application/jsonx'],
    ['a JSON suffix type', 'application/vnd.api+json'],
  ])('POST with %s → 415', async (_name, contentType) => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: JSON.stringify({ email }),
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(UNSUPPORTED);
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(0);
  });

  it('a body without any Content-Type → 415', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: Buffer.from(`{"email":"${newEmail()}"}`),
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(UNSUPPORTED);
  });

  it.each([
    'application/json; charset=latin1',
    'application/json; charset=ISO-8859-1',
    'application/json; charset="iso-8859-1"',
    'application/json; charset=utf-16',
    'application/json; charset=utf8',
    'application/json; charset=us-ascii',
    'application/json; charset=',
    'application/json; charset',
  ])('POST with %s → 415, nothing stored', async (contentType) => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: Buffer.from(JSON.stringify({ email, first_name: 'café' }), 'latin1'),
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(UNSUPPORTED);
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(0);
  });

  const prefix = [...Buffer.from('{"email":"a@b.test","first_name":"')];
  it.each([
    ['latin1 café sent as UTF-8', Buffer.from('{"email":"a@b.test","first_name":"caf\xe9"}', 'latin1')],
    ['a stray continuation byte', Buffer.from([...prefix, 0x80, 0x22, 0x7d])],
    ['an overlong encoding', Buffer.from([...prefix, 0xc0, 0xaf, 0x22, 0x7d])],
    ['an encoded surrogate', Buffer.from([...prefix, 0xed, 0xa0, 0x80, 0x22, 0x7d])],
    ['a truncated sequence', Buffer.from([...prefix, 0xe2, 0x82, 0x22, 0x7d])],
  ])('invalid UTF-8 (%s) → 400', async (_name, rawBody) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Request body is not valid UTF-8', code: 'bad_request' });
  });

  it('UTF-8 text is stored as sent, multi-byte characters included', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: Buffer.from(JSON.stringify({ email: newEmail(), first_name: 'café 日本 \u{1F41D}' }), 'utf8'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
    expect(res.body.first_name).toBe('café 日本 \u{1F41D}');
  });

  it('PATCH with text/plain → 415 and the user is unchanged', async () => {
    const { writeKey, admin } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.patch(`/v1/users/${admin.id}`, {
      key: writeKey,
      rawBody: '{"first_name":"Changed"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(UNSUPPORTED);
    expect((await ctx.t.api.get(`/v1/users/${admin.id}`, { key: writeKey })).body.first_name).toBe('Test');
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
    'application/json; charset="UTF-8"; foo=bar',
    'Application/JSON',
  ])('POST with %s is accepted', async (contentType) => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: JSON.stringify({ email }),
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe(email);
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(1);
  });

  it.each([
    ['truncated', '{"email":'],
    ['single quotes', "{'email':'a@b.test'}"],
    ['trailing comma', '{"email":"a@b.test",}'],
    ['not JSON at all', 'email=a@b.test'],
    ['two documents', '{"email":"a@b.test"}{"email":"c@d.test"}'],
  ])('malformed JSON (%s) → 400', async (_name, rawBody) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(MALFORMED);
  });

  it('an empty JSON body → 400', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'Request body is empty but Content-Type is application/json',
      code: 'bad_request',
    });
  });

  it('JSON that is not an object → 400 naming the body', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    for (const rawBody of ['[]', '"a@b.test"', '42', 'null']) {
      const res = await ctx.t.api.post('/v1/users', {
        key: writeKey,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, rawBody).toBe(400);
      expect(res.body.code).toBe('bad_request');
      expect(res.body.error).toMatch(/body/i);
    }
  });

  it('a body of exactly 1 MiB is read; one byte more → 413', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const atLimit = bodyOfSize(email, MIB);
    expect(Buffer.byteLength(atLimit)).toBe(MIB);
    const read = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: atLimit,
      headers: { 'content-type': 'application/json' },
    });
    // Parsed and validated (position is too long), so not refused for its size.
    expect(read.status).toBe(400);
    expect(read.body.details).toEqual([{ path: 'position', message: 'must be at most 200 characters' }]);

    const over = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      rawBody: bodyOfSize(email, MIB + 1),
      headers: { 'content-type': 'application/json' },
    });
    expect(over.status).toBe(413);
    expect(over.body).toEqual(TOO_LARGE);
    expect(over.headers.get('content-type')).toBe(JSON_UTF8);
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(0);
  });

  it('a streamed (chunked, no Content-Length) body over 1 MiB → 413', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const payload = new TextEncoder().encode(bodyOfSize(newEmail(), 2 * MIB));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < payload.length; i += 64 * 1024)
          controller.enqueue(payload.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${ctx.t.api.baseUrl}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual(TOO_LARGE);
  });

  it('no refused write leaves anything behind, and the same data is accepted once it is sent right', async () => {
    const { writeKey, readKey, company } = await makeTenant(ctx.t.database.db);
    const email = newEmail();
    const before = await countUsers(ctx.t.database.db, company.id);
    const json = { 'content-type': 'application/json' };
    const refused: [string, RequestOptions, number][] = [
      ['text/plain', { rawBody: JSON.stringify({ email }), headers: { 'content-type': 'text/plain' } }, 415],
      ['malformed', { rawBody: `{"email":"${email}"`, headers: json }, 400],
      ['too large', { rawBody: bodyOfSize(email, MIB + 10), headers: json }, 413],
      ['invalid field', { body: { email, color: 'not-a-color' } }, 400],
      ['unknown field', { body: { email, is_superuser: true } }, 400],
      ['read key', { key: readKey, body: { email } }, 403],
    ];
    for (const [name, opts, status] of refused) {
      const res = await ctx.t.api.post('/v1/users', { key: writeKey, ...opts });
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toBe(JSON_UTF8);
    }
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(before);
    expect(await countUsersWithEmail(ctx.t.database.db, company.id, email)).toBe(0);

    const ok = await ctx.t.api.post('/v1/users', { key: writeKey, body: { email } });
    expect(ok.status).toBe(201);
    // A duplicate is refused as a whole as well.
    const dup = await ctx.t.api.post('/v1/users', { key: writeKey, body: { email, first_name: 'Second' } });
    expect(dup.status).toBe(409);
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(before + 1);
    expect((await ctx.t.api.get(`/v1/users/${ok.body.id}`, { key: readKey })).body.first_name).toBeNull();
  });
});

describe('content type: responses', () => {
  it('every JSON response, success or error, is application/json; charset=utf-8', async () => {
    const { writeKey, readKey, admin } = await makeTenant(ctx.t.database.db);
    const cases: [string, () => Promise<{ status: number; headers: Headers }>, number][] = [
      ['list', () => ctx.t.api.get('/v1/users', { key: readKey }), 200],
      ['get', () => ctx.t.api.get(`/v1/users/${admin.id}`, { key: readKey }), 200],
      ['create', () => ctx.t.api.post('/v1/users', { key: writeKey, body: { email: newEmail() } }), 201],
      [
        'update',
        () => ctx.t.api.patch(`/v1/users/${admin.id}`, { key: writeKey, body: { position: 'Boss' } }),
        200,
      ],
      ['validation error', () => ctx.t.api.get('/v1/users?pageSize=51', { key: readKey }), 400],
      ['missing key', () => ctx.t.api.get('/v1/users'), 401],
      ['forbidden', () => ctx.t.api.post('/v1/users', { key: readKey, body: { email: newEmail() } }), 403],
      ['not found', () => ctx.t.api.get('/v1/users/2147483647', { key: readKey }), 404],
      ['unknown route', () => ctx.t.api.get('/v1/nothing-here'), 404],
      ['wrong method', () => ctx.t.api.request('PUT', '/v1/users'), 405],
      ['conflict', () => ctx.t.api.post('/v1/users', { key: writeKey, body: { email: admin.email } }), 409],
      [
        'unsupported type',
        () =>
          ctx.t.api.post('/v1/users', {
            key: writeKey,
            rawBody: 'x',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
      ],
      ['healthz', () => ctx.t.api.get('/healthz'), 200],
      ['readyz', () => ctx.t.api.get('/readyz'), 200],
      ['openapi', () => ctx.t.api.get('/v1/openapi.json'), 200],
    ];
    for (const [name, send, status] of cases) {
      const res = await send();
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toBe(JSON_UTF8);
    }
  });

  it('a 204 has no body and no JSON content type', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const created = await ctx.t.api.post('/v1/users', { key: writeKey, body: { email: newEmail() } });
    const res = await ctx.t.api.delete(`/v1/users/${created.body.id}`, { key: writeKey });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('content-type')).toBeNull();
    expect(await countUsers(ctx.t.database.db, company.id)).toBe(2);
  });
});
