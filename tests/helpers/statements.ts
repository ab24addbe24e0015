import type pg from 'pg';

/**
 * Counts the statements a pool sends: every `query` of every client the pool hands out (BEGIN
 * and COMMIT included), recorded at the moment it is sent. Install it before the pool connects;
 * counts are exact while one request runs at a time and nothing else uses the pool (start the
 * app with `relay: false`).
 */
export class StatementCounter {
  private sent: string[] = [];

  constructor(pool: pg.Pool) {
    pool.on('connect', (client) => this.watch(client));
  }

  private watch(client: pg.PoolClient): void {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const record = (first: unknown) => {
      const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
      this.sent.push((text ?? '<unnamed>').replace(/\s+/g, ' ').trim());
    };
    (client as { query: unknown }).query = (...args: unknown[]) => {
      record(args[0]);
      return query(...args);
    };
  }

  /** Statements sent since the last `take()` (and forgets them). */
  take(): string[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}
