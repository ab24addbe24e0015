import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { isDatabaseUnavailable } from './errors.js';

export interface PgListenerOptions {
  connectionString: string;
  /** A constant identifier (it is written into the LISTEN statement). */
  channel: string;
  logger: Logger;
  onMessage(payload: string): void;
  /** After a lost connection came back: whatever was NOTIFYed meanwhile is lost; catch up from tables. */
  onReconnect(droppedAt: Date): void;
  /** `application_name` of the connection (embedded PostgreSQL counts those starting `journeybee`). */
  applicationName?: string;
  /** How often the connection proves it is alive with a query (a half-open TCP connection says nothing). */
  healthCheckMs?: number;
}

// Embedded PostgreSQL counts clients whose application_name starts with `journeybee`.
const DEFAULT_APPLICATION_NAME = 'journeybee-listener';
// A refused connect costs nothing: retry often, so the channel is back within a second of the
// database (NOTIFYs sent before that are lost; onReconnect catches up from the tables).
const MAX_RETRY_MS = 1_000;

/**
 * One dedicated connection that LISTENs on a channel, for the whole process: pooled connections
 * cannot listen (they are handed to other queries). When the connection drops it reconnects with
 * backoff and reports the outage, so the owner can read from the database what it missed.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private droppedAt: Date | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private attempts = 0;

  constructor(private readonly opts: PgListenerOptions) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Connects and listens. A database that cannot be reached yet does not stop the server (it
   * answers 503 until the database is back): the listener keeps retrying in the background.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const every = this.opts.healthCheckMs ?? 30_000;
    this.healthTimer = setInterval(() => void this.checkHealth(), every);
    this.healthTimer.unref();
    try {
      await this.connect();
    } catch (err) {
      this.opts.logger.warn(
        { err: { message: (err as Error).message } },
        'notification listener: cannot connect yet',
      );
      this.droppedAt = new Date();
      this.scheduleReconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.healthTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: this.opts.applicationName ?? DEFAULT_APPLICATION_NAME,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 2_000,
      query_timeout: 10_000,
    });
    client.on('error', (err) => this.dropped(client, err));
    client.on('end', () => this.dropped(client));
    client.on('notification', (msg) => {
      if (msg.channel === this.opts.channel) this.opts.onMessage(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private dropped(client: pg.Client, err?: Error): void {
    if (client !== this.client) return; // an old or not yet adopted client
    this.client = undefined;
    void client.end().catch(() => {});
    if (this.stopped) return;
    this.droppedAt ??= new Date();
    this.opts.logger.warn({ err: err && { message: err.message } }, 'notification listener disconnected');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(MAX_RETRY_MS, 100 * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      // The outage itself is logged once (db/availability.ts); a retry per second is not news.
      const level = isDatabaseUnavailable(err) ? 'debug' : 'warn';
      this.opts.logger[level](
        { err: { message: (err as Error).message } },
        'notification listener: reconnect failed',
      );
      if (!this.stopped) this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const since = this.droppedAt ?? new Date();
    this.droppedAt = undefined;
    this.attempts = 0;
    this.opts.logger.info('notification listener reconnected');
    this.opts.onReconnect(since);
  }

  private async checkHealth(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.dropped(client, err as Error);
    }
  }
}
