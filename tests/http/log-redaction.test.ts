import { DrizzleQueryError, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/app.js';
import { companies, users } from '../../src/db/schema/index.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { type CustomTestApp, LogCapture, startCustomApp } from '../helpers/custom-app.js';
import { makeTenant } from '../helpers/factories.js';

// Database errors in logs carry the SQLSTATE, the constraint, the table and column and the
// request id, never the SQL text or the bound values: a DrizzleQueryError's message holds both
// ("Failed query: … params: …"), and a pg error's `detail` quotes row values such as e-mails.

const ctx = useTestApp();
let app: CustomTestApp;
const secretEmail = `secret-${uniq()}@leak.example`;
let adminEmail: string;

beforeAll(async () => {
  const { company, admin } = await makeTenant(ctx.t.database.db);
  adminEmail = admin.email;
  app = await startCustomApp(ctx.dbUrl, {
    configure(fastify, { database }) {
      const { db } = database;
      // What a bug could do: statements the API's own checks did not stop, with real values.
      fastify.post('/test/not-null', async () => {
        await db.insert(users).values({ company_id: null as unknown as number, email: secretEmail });
        return {};
      });
      // Code that logs a database error itself (a unique violation: its detail quotes the e-mail).
      fastify.post('/test/duplicate-logged', async (request, reply) => {
        try {
          await db.insert(users).values({ company_id: company.id, email: admin.email, first_name: 'Ann' });
        } catch (err) {
          request.log.error({ err: new Error('could not save the user', { cause: err }) }, 'save failed');
          return reply.code(500).send({ error: 'Internal server error', code: 'internal' });
        }
        return {};
      });
      fastify.post('/test/check', async () => {
        await db
          .update(companies)
          .set({ name: secretEmail, id: -1 } as never)
          .where(eq(companies.id, company.id));
        return {};
      });
    },
  });
});
afterAll(() => app?.close());

function linesOf(requestId: string) {
  const lines = app.logs.forRequest(requestId);
  return { lines, text: lines.map((l) => JSON.stringify(l)).join('\n') };
}

const FORBIDDEN_IN_LOGS = ['insert into', 'update "companies"', 'Failed query', 'params', 'Key (', 'detail'];

describe('database errors in logs', () => {
  it('a not-null violation: SQLSTATE, table and column under the request id; no SQL, no values', async () => {
    const res = await app.api.post('/test/not-null', { headers: { 'x-request-id': 'log-not-null' } });
    expect(res.status).toBe(500);
    const { lines, text } = linesOf('log-not-null');
    const logged = lines.find((l) => l.msg === 'unhandled error');
    expect(logged?.err).toMatchObject({ code: '23502', table: 'users', column: 'company_id' });
    expect((logged?.err as { stack: string }).stack).toMatch(/\n\s+at /);
    expect(text).not.toContain(secretEmail);
    for (const leak of FORBIDDEN_IN_LOGS) expect(text, leak).not.toContain(leak);
  });

  it('a unique violation wrapped in another error: the constraint, not the duplicate e-mail', async () => {
    const res = await app.api.post('/test/duplicate-logged', { headers: { 'x-request-id': 'log-unique' } });
    expect(res.status).toBe(500);
    const { lines, text } = linesOf('log-unique');
    const logged = lines.find((l) => l.msg === 'save failed');
    expect(logged?.err).toMatchObject({ type: 'Error', code: '23505', table: 'users' });
    expect((logged?.err as { constraint: string }).constraint).toMatch(/email/);
    expect(text).not.toContain(adminEmail);
    for (const leak of FORBIDDEN_IN_LOGS) expect(text, leak).not.toContain(leak);
  });

  it('an UPDATE that fails (428C9): its code, not the value it was setting', async () => {
    const res = await app.api.post('/test/check', { headers: { 'x-request-id': 'log-check' } });
    expect(res.status).toBe(500);
    const { lines, text } = linesOf('log-check');
    expect(lines.find((l) => l.msg === 'unhandled error')?.err).toMatchObject({ code: '428C9' });
    expect(text).not.toContain(secretEmail);
    for (const leak of FORBIDDEN_IN_LOGS) expect(text, leak).not.toContain(leak);
  });

  it('every logger built from loggerOptions does it, request or not (workers, the hub, …)', () => {
    const capture = new LogCapture();
    // The server's options (this file's app is silent: LOG_LEVEL=silent in tests).
    const logger = pino({ ...loggerOptions(ctx.t.config), level: 'info' }, capture.stream);
    const query = `select "id" from "users" where "email" = $1`;
    const driverError = Object.assign(
      new Error(`duplicate key value violates unique constraint "users_email"`),
      {
        code: '23505',
        severity: 'ERROR',
        constraint: 'users_company_email_unique',
        table: 'users',
        detail: `Key (email)=(${secretEmail}) already exists.`,
      },
    );
    const drizzleError = new DrizzleQueryError(query, [secretEmail], driverError);
    logger.error({ err: drizzleError }, 'a query failed');
    logger.warn({ err: { message: `Failed query: ${query}\nparams: ${secretEmail}` } }, 'only its message');
    logger.error({ err: new Error('plain failure', { cause: new Error('inner') }) }, 'not a database error');
    const text = capture.text();
    expect(text).not.toContain(secretEmail);
    expect(text).not.toContain('select "id"');
    expect(capture.lines[0]?.err).toMatchObject({
      type: 'DrizzleQueryError',
      message: 'Database error 23505 (constraint users_company_email_unique)',
      code: '23505',
      constraint: 'users_company_email_unique',
      table: 'users',
    });
    expect(capture.lines[1]?.err).toEqual({ message: 'Failed query (SQL and parameters not logged)' });
    // Other errors are logged as pino logs them: message, causes and stack.
    expect(capture.lines[2]?.err).toMatchObject({ type: 'Error', message: 'plain failure: inner' });
    expect((capture.lines[2]?.err as { stack: string }).stack).toContain('log-redaction.test.ts');
  });
});
