import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { countUsersWithEmail } from '../helpers/queries.js';

// Contract row "content type": a Content-Encoding other than identity is a 415 unless it is
// decoded. gzip, deflate and br are decoded; the 1 MiB limit counts the decoded bytes.

const ctx = useTestApp();
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

const MIB = 1024 * 1024;
const TOO_LARGE = { error: 'Request body is larger than the 1 MiB limit', code: 'payload_too_large' };
const CORRUPT = {
  error: 'Request body could not be decoded as its Content-Encoding says',
  code: 'bad_request',
};
const unsupported = (coding: string) => ({
  error: `Content-Encoding '${coding}' is not supported: send gzip, deflate, br or identity`,
  code: 'unsupported_media_type',
});

const ENCODERS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
const newEmail = () => `enc-${uniq()}@example.test`;

function post(key: string, body: Buffer, encoding: string) {
  return api().post('/v1/users', {
    key,
    rawBody: body,
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
  });
}

/** POST over node:http, for bodies the server refuses before it has read them. */
function rawPost(
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(api().baseUrl + path);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    // The server may answer and close while the body is still being sent.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.end(body);
  });
}

describe('content encoding: decoded bodies', () => {
  it.each(
    Object.keys(ENCODERS) as (keyof typeof ENCODERS)[],
  )('a %s body is decoded and stored', async (coding) => {
    const { writeKey, company } = await makeTenant(db());
    const email = newEmail();
    const res = await post(writeKey, ENCODERS[coding](JSON.stringify({ email, first_name: 'Zoë' })), coding);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ email, first_name: 'Zoë' });
    expect(await countUsersWithEmail(db(), company.id, email)).toBe(1);
  });

  it('codings are case-insensitive; identity is no coding', async () => {
    const { writeKey } = await makeTenant(db());
    expect((await post(writeKey, gzipSync(JSON.stringify({ email: newEmail() })), 'GZip')).status).toBe(201);
    expect(
      (await post(writeKey, Buffer.from(JSON.stringify({ email: newEmail() })), 'identity')).status,
    ).toBe(201);
  });

  it.each([
    'compress',
    'zstd',
    'x-gzip',
    'gzip, br',
    'gzip, gzip',
    'chunked',
  ])('Content-Encoding %s → 415, nothing stored', async (coding) => {
    const { writeKey, company } = await makeTenant(db());
    const email = newEmail();
    const res = await post(writeKey, gzipSync(JSON.stringify({ email })), coding);
    expect(res.status).toBe(415);
    expect(res.body).toEqual(unsupported(coding));
    expect(await countUsersWithEmail(db(), company.id, email)).toBe(0);
  });

  it.each([
    ['a plain body labelled gzip', 'gzip', () => Buffer.from('{"email":"a@b.test"}')],
    ['a truncated gzip body', 'gzip', () => gzipSync('{"email":"a@b.test"}').subarray(0, 12)],
    ['a plain body labelled deflate', 'deflate', () => Buffer.from('{"email":"a@b.test"}')],
    ['a plain body labelled br', 'br', () => Buffer.from('{"email":"a@b.test"}')],
  ])('%s → 400', async (_name, coding, body) => {
    const { writeKey } = await makeTenant(db());
    const res = await post(writeKey, body(), coding);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(CORRUPT);
  });

  it('the decoded body is JSON-checked and UTF-8-checked like any other', async () => {
    const { writeKey } = await makeTenant(db());
    const malformed = await post(writeKey, gzipSync('{"email":'), 'gzip');
    expect(malformed.body).toEqual({ error: 'Malformed JSON in request body', code: 'bad_request' });
    const latin1 = await post(
      writeKey,
      gzipSync(Buffer.from('{"email":"caf\xe9@b.test"}', 'latin1')),
      'gzip',
    );
    expect(latin1.body).toEqual({ error: 'Request body is not valid UTF-8', code: 'bad_request' });
  });
});

describe('content encoding: the 1 MiB limit counts decoded bytes', () => {
  /** A create-user body of exactly `bytes` bytes of JSON (padding in `position`). */
  const bodyOfSize = (bytes: number) => {
    const email = newEmail();
    const empty = JSON.stringify({ email, position: '' });
    return JSON.stringify({ email, position: 'p'.repeat(bytes - Buffer.byteLength(empty)) });
  };

  it('1 MiB decoded is read; one byte more → 413 although the compressed body is tiny', async () => {
    const { writeKey } = await makeTenant(db());
    const atLimit = bodyOfSize(MIB);
    expect(Buffer.byteLength(atLimit)).toBe(MIB);
    const read = await post(writeKey, gzipSync(atLimit), 'gzip');
    // Parsed and validated (position is too long), so not refused for its size.
    expect(read.status).toBe(400);
    expect(read.body.details).toEqual([{ path: 'position', message: 'must be at most 200 characters' }]);

    const over = gzipSync(bodyOfSize(MIB + 1));
    expect(over.length).toBeLessThan(8 * 1024);
    const res = await post(writeKey, over, 'gzip');
    expect(res.status).toBe(413);
    expect(res.body).toEqual(TOO_LARGE);
  });

  it('a zip bomb (512 KiB that decodes to 512 MiB) → 413 without holding it in memory', async () => {
    const { writeKey } = await makeTenant(db());
    // Concatenated gzip members decode as one stream.
    const member = gzipSync(Buffer.alloc(16 * MIB, 0x20));
    const bomb = Buffer.concat(Array.from({ length: 32 }, () => member));
    expect(bomb.length).toBeLessThan(MIB);
    const before = process.memoryUsage().rss;
    const res = await rawPost(
      '/v1/users',
      { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      bomb,
    );
    expect(res).toEqual({ status: 413, body: TOO_LARGE });
    // The server (in this process) stopped at the limit: nowhere near 512 MiB was kept.
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * MIB);
    // And it still serves.
    expect((await api().get('/v1/users', { key: writeKey })).status).toBe(200);
  });

  it('a brotli bomb → 413 too', async () => {
    const { writeKey } = await makeTenant(db());
    const bomb = brotliCompressSync(Buffer.alloc(64 * MIB, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await rawPost(
      '/v1/users',
      { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json', 'content-encoding': 'br' },
      bomb,
    );
    expect(res).toEqual({ status: 413, body: TOO_LARGE });
  });
});
