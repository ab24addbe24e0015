import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DatabaseAvailability } from '../../src/db/availability.js';
import { isDatabaseUnavailable } from '../../src/db/errors.js';

// Which failures mean "the database is not there" (answered 503, logged once per outage), and
// the availability monitor's logging, against a pool whose server refuses every connection.

const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/nothing';

/** A server error as pg's DatabaseError carries it. */
const serverError = (code: string) =>
  Object.assign(new Error(`server said ${code}`), { code, severity: 'FATAL' });
const wrapped = (cause: Error) => new DrizzleQueryError('select 1', [], cause);

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['terminated', new Error('Connection terminated unexpectedly')],
    ['connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a client whose socket died',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['SQLSTATE 08006', serverError('08006')],
    ['admin shutdown 57P01', serverError('57P01')],
    ['crash shutdown 57P02', serverError('57P02')],
    ['cannot connect now 57P03', serverError('57P03')],
    ['wrapped by Drizzle (message)', wrapped(new Error('Connection terminated unexpectedly'))],
    ['wrapped by Drizzle (code)', wrapped(serverError('57P01'))],
  ])('%s: yes', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['unique violation', serverError('23505')],
    ['syntax error', serverError('42601')],
    ['query canceled 57014', serverError('57014')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'Connection terminated'],
  ])('%s: no', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('a real refused connection through the pool', async () => {
    const pool = new pg.Pool({ connectionString: UNREACHABLE });
    const err = await pool.query('SELECT 1').catch((e: unknown) => e);
    await pool.end();
    expect(isDatabaseUnavailable(err)).toBe(true);
  });
});

describe('DatabaseAvailability', () => {
  it('logs an outage once however often it is reported; other errors are not its business', async () => {
    const lines: { msg: string; level: number; err?: { message: string } }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const pool = new pg.Pool({ connectionString: UNREACHABLE, connectionTimeoutMillis: 1_000 });
    const changes: boolean[] = [];
    const availability = new DatabaseAvailability({
      pool,
      logger: pino({ level: 'debug' }, sink),
      onChange: (up) => changes.push(up),
    });
    try {
      expect(availability.up).toBe(true);
      expect(availability.report(serverError('23505'))).toBe(false);
      expect(availability.up).toBe(true);
      for (let i = 0; i < 50; i++) {
        const err = await pool.query('SELECT 1').catch((e: unknown) => e);
        expect(availability.report(err)).toBe(true);
      }
      // The probe runs meanwhile (and fails): still one line, still down.
      await new Promise((r) => setTimeout(r, 700));
      expect(availability.up).toBe(false);
      expect(availability.outages).toBe(1);
      expect(changes).toEqual([false]);
      const said = lines.filter((l) => /database/.test(l.msg));
      expect(said.map((l) => l.msg)).toEqual(['database unavailable']);
      expect(said[0]!.level).toBe(50);
      expect(said[0]!.err?.message).toMatch(/ECONNREFUSED/);
    } finally {
      availability.close();
      await pool.end();
    }
  });
});
