import net from 'node:net';
import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { DatabaseAvailability } from '../../src/db/availability.js';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { waitFor } from '../helpers/process.js';

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

  it('a failure reported just after the database came back is confirmed before it counts as an outage', async () => {
    const lines: { msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    // A pool that reaches the test run's PostgreSQL: the failures are reported by hand, the probes are real.
    const pool = new pg.Pool({ connectionString: inject('adminUrl'), max: 2 });
    const changes: boolean[] = [];
    const availability = new DatabaseAvailability({
      pool,
      logger: pino({ level: 'debug' }, sink),
      onChange: (up) => changes.push(up),
    });
    try {
      expect(availability.report(serverError('57P01'))).toBe(true);
      expect(availability.up).toBe(false);
      await waitFor(() => availability.up, 2_000, 'the probe to reach the database');
      // The tail of that outage (a connection that met the server still starting): 503 for its
      // request, but the probe that confirms it succeeds, so it is no new outage.
      expect(availability.report(serverError('57P03'))).toBe(true);
      expect(availability.up).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(availability.up).toBe(true);
      expect(availability.outages).toBe(1);
      expect(changes).toEqual([false, true]);
      expect(lines.map((l) => l.msg).filter((m) => /database/.test(m))).toEqual([
        'database unavailable',
        'database available again',
      ]);
    } finally {
      availability.close();
      await pool.end();
    }
  });

  it('a real outage right after recovery is still an outage: its confirming probe fails', async () => {
    // The pool reaches PostgreSQL through a relay that can be cut: new connections are then dropped.
    const target = new URL(inject('adminUrl'));
    let cut = false;
    const relay = net.createServer((socket) => {
      if (cut) return socket.destroy();
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const via = new URL(target);
    via.hostname = '127.0.0.1';
    via.port = String((relay.address() as net.AddressInfo).port);
    // No idle clients kept: every query connects anew, so cutting the relay is an outage for the pool.
    const pool = new pg.Pool({ connectionString: via.href, max: 2, idleTimeoutMillis: 1 });
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const availability = new DatabaseAvailability({ pool, logger: pino({ level: 'debug' }, sink) });
    try {
      availability.report(serverError('57P01'));
      await waitFor(() => availability.up, 2_000, 'the probe to reach the database');
      await waitFor(() => pool.totalCount === 0, 2_000, 'the idle client to close');
      cut = true;
      const err = await pool.query('SELECT 1').catch((e: unknown) => e);
      expect(availability.report(err)).toBe(true);
      await waitFor(() => !availability.up, 2_000, 'the confirming probe to fail');
      expect(availability.outages).toBe(2);
    } finally {
      availability.close();
      await pool.end();
      await new Promise((r) => relay.close(r));
    }
  });
});
