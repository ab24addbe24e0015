import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { isDatabaseUnavailable, pgErrorCode } from './errors.js';

// Whether the database answers, as this process sees it. Whoever meets a connection-class
// failure (a request, the outbox relay, the webhook worker) reports it here; the first report of
// an outage logs "database unavailable" once (not once per request: an outage under traffic would
// flood the log), then a probe (`SELECT 1` through the pool, every PROBE_MS) watches for the
// database to come back and logs "database available again" with the outage's length. Requests
// never wait for the probe: each one tries the database itself (the pool refuses within
// OUTAGE_CONNECT_TIMEOUT_MS during an outage), so service resumes with the first connection that
// succeeds. A failure reported within SETTLE_MS of the database coming back is confirmed by a
// probe first: a request that began during the outage can report its failure after the probe saw
// the database again, and that is the same outage, not a second one.

const PROBE_MS = 250;
/**
 * A failure reported this soon after the database came back may belong to an operation that
 * began before (a connection that met the server still in recovery, say): it opens a new outage
 * only if a probe confirms it.
 */
const SETTLE_MS = 2_000;
/** While the outage lasts, a reminder at most this often (with the number of failures seen). */
const REMIND_MS = 60_000;

export interface AvailabilityOptions {
  pool: pg.Pool;
  logger: Logger;
  /**
   * Embedded PostgreSQL: starts it again when its process is gone (true when it did). Called
   * once the outage has lasted `reviveAfterMs`, then at most every `reviveAfterMs`.
   */
  revive?: () => Promise<boolean>;
  reviveAfterMs?: number;
  /** Called when the database goes down (false) and when it is back (true). */
  onChange?: (up: boolean) => void;
}

export class DatabaseAvailability {
  private downSince: number | undefined;
  private upAt = 0;
  private confirming: Promise<void> | undefined;
  private failures = 0;
  private lastRemindedAt = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastReviveAt = 0;
  private reviving: Promise<void> | undefined;
  private closed = false;
  /** Outages seen since the process started (the metric journeybee_database_outages_total). */
  outages = 0;
  private readonly log: Logger;

  constructor(private readonly opts: AvailabilityOptions) {
    this.log = opts.logger.child({ component: 'database' });
  }

  /** False from the first failure of an outage until the probe reached the database again. */
  get up(): boolean {
    return this.downSince === undefined;
  }

  /**
   * Records `err` if it says the database cannot be reached (true then): the caller answers 503
   * or retries later, and logs nothing of its own above debug.
   */
  report(err: unknown): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    this.failures++;
    const now = Date.now();
    if (this.downSince === undefined) {
      if (now - this.upAt < SETTLE_MS) this.confirm();
      else this.goDown(err, now);
    } else if (now - this.lastRemindedAt >= REMIND_MS) {
      this.lastRemindedAt = now;
      this.log.error(
        { err: describe(err), downForMs: now - this.downSince, failures: this.failures },
        'database still unavailable',
      );
    }
    return true;
  }

  private goDown(err: unknown, now: number): void {
    this.downSince = now;
    this.lastRemindedAt = now;
    this.lastReviveAt = now;
    this.outages++;
    this.log.error({ err: describe(err) }, 'database unavailable');
    this.opts.onChange?.(false);
    this.scheduleProbe();
  }

  /** Just back up: a probe decides whether this failure is a new outage or an old one's tail. */
  private confirm(): void {
    if (this.confirming || this.closed) return;
    this.confirming = this.opts.pool
      .query('SELECT 1')
      .then(
        () => {
          if (this.downSince === undefined) this.failures = 0;
        },
        (err: unknown) => {
          if (this.closed || this.downSince !== undefined) return;
          if (isDatabaseUnavailable(err)) this.goDown(err, Date.now());
        },
      )
      .finally(() => {
        this.confirming = undefined;
      });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(), PROBE_MS);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.closed || this.downSince === undefined) return;
    try {
      await this.opts.pool.query('SELECT 1');
    } catch (err) {
      if (isDatabaseUnavailable(err)) this.maybeRevive();
      this.scheduleProbe();
      return;
    }
    const downForMs = Date.now() - this.downSince;
    this.log.info({ downForMs, failures: this.failures }, 'database available again');
    this.downSince = undefined;
    this.upAt = Date.now();
    this.failures = 0;
    this.opts.onChange?.(true);
  }

  private maybeRevive(): void {
    const { revive, reviveAfterMs = 1_000 } = this.opts;
    if (!revive || this.reviving || Date.now() - this.lastReviveAt < reviveAfterMs) return;
    this.reviving = revive()
      .then((started) => {
        if (started) this.log.warn('embedded postgres was not running; started it again');
      })
      .catch((err: Error) =>
        this.log.error({ err: { message: err.message } }, 'could not start embedded postgres again'),
      )
      .finally(() => {
        this.lastReviveAt = Date.now();
        this.reviving = undefined;
      });
  }
}

/** What a log line says about the failure: its message and code (no SQL, no values). */
function describe(err: unknown): { message: string; code?: string } {
  const root = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const message = root instanceof Error ? root.message : String(root);
  const code = pgErrorCode(err);
  return code ? { message, code } : { message };
}
