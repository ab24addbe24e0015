import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { ApiError, MESSAGES } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { PgListener } from '../../db/pg-listener.js';
import type { Logger } from '../../lib/logger.js';
import {
  NOTIFICATIONS_CHANNEL,
  type NotificationRow,
  notificationsRepository as repo,
} from './notifications.repository.js';
import { toNotification } from './notifications.service.js';

// Server-Sent Events for notifications, real time across server processes:
//   writer's transaction ── INSERT notifications + pg_notify ──▶ COMMIT ──▶ NOTIFY {id, userId}
//   every process: one PgListener ──▶ NotificationHub ──▶ reads the rows once ──▶ its open streams
// A NOTIFY is only a wake-up call: rows are always read from the table, so a stream can also
// start from `Last-Event-ID` and catch up after the LISTEN connection was lost.

export interface NotificationHubOptions {
  db: Db;
  connectionString: string;
  logger: Logger;
  /** SSE comment lines that keep proxies and clients from timing the stream out. */
  heartbeatMs: number;
}

export interface OpenStreamOptions {
  /** Resume after this notification id (the SSE `Last-Event-ID`). */
  lastEventId?: number | undefined;
  /** The response the stream is written to: when it closes, the stream ends. */
  response: ServerResponse;
  /** Checked at every heartbeat: false (the key was revoked) ends the stream. */
  stillAllowed(): Promise<boolean>;
}

const PAGE = 500;
/** Ids a stream remembers having sent, to drop repeats (catch-ups overlap live delivery). */
const REMEMBERED_IDS = 2_000;
/** A transaction may take an id, then commit after a higher one was sent: catch-ups look back this far. */
const LOOKBACK_MS = 60_000;
/** A client that reads nothing while this much is queued is disconnected. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const CLIENT_RETRY_MS = 3_000;

export class NotificationStream {
  readonly body = new PassThrough();
  private readonly sent = new Set<number>();
  /** Live rows that arrive while the stream is still sending its backlog. */
  private queued: NotificationRow[] | undefined = [];
  /** Notifications at or below `floor` are older than the stream: never sent. */
  private floor = 0;
  /** The highest id sent (or `floor`). */
  private cursor = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolves once the response is over. */
  readonly done: Promise<void>;

  constructor(
    readonly userId: number,
    private readonly hub: NotificationHub,
    private readonly opts: OpenStreamOptions,
  ) {
    this.done = new Promise((resolve) => opts.response.once('close', resolve));
    opts.response.once('close', () => this.end());
    this.body.once('close', () => this.end());
    // `retry` tells EventSource how soon to reconnect; the comment makes the headers go out now.
    this.body.write(`retry: ${CLIENT_RETRY_MS}\n: connected\n\n`);
    this.heartbeat = setInterval(() => void this.beat(), hub.heartbeatMs);
  }

  /** Sends what was committed after `floor` (up to now), then whatever arrived live meanwhile. */
  async start(db: Db, floor: number): Promise<void> {
    this.floor = floor;
    this.cursor = floor;
    await this.catchUp(db);
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const row of queued.sort((a, b) => a.id - b.id)) this.write(row);
  }

  /** Reads from the table what the stream may have missed: newer rows, and with `since`, late commits. */
  async catchUp(db: Db, since?: Date): Promise<void> {
    let afterId = this.cursor;
    let lookback = since && new Date(since.getTime() - LOOKBACK_MS);
    while (!this.closed) {
      const rows = await repo.after(db, this.userId, {
        afterId,
        floorId: this.floor,
        since: lookback,
        limit: PAGE,
      });
      for (const row of rows) this.write(row);
      if (rows.length < PAGE) return;
      afterId = rows.at(-1)!.id;
      lookback = undefined;
    }
  }

  deliver(row: NotificationRow): void {
    if (this.queued) this.queued.push(row);
    else this.write(row);
  }

  private write(row: NotificationRow): void {
    if (this.closed || this.sent.has(row.id) || row.id <= this.floor) return;
    this.sent.add(row.id);
    if (this.sent.size > REMEMBERED_IDS) this.sent.delete(this.sent.values().next().value!);
    this.cursor = Math.max(this.cursor, row.id);
    this.send(`id: ${row.id}\nevent: notification\ndata: ${JSON.stringify(toNotification(row))}\n\n`);
  }

  private send(chunk: string): void {
    if (this.closed) return;
    this.body.write(chunk);
    if (this.body.writableLength > MAX_BUFFERED_BYTES) {
      this.hub.logger.warn({ userId: this.userId }, 'notification stream closed: the client is not reading');
      this.end();
    }
  }

  private async beat(): Promise<void> {
    this.send(': heartbeat\n\n');
    const allowed = await this.opts.stillAllowed().catch(() => true);
    if (!allowed) this.end();
  }

  /** Ends the response (the client reconnects with `Last-Event-ID`) and forgets the stream. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.hub.forget(this);
    this.body.end();
  }
}

export class NotificationHub {
  private readonly listener: PgListener;
  private readonly byUser = new Map<number, Set<NotificationStream>>();
  private pending = new Set<number>();
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private closing = false;
  readonly logger: Logger;
  readonly heartbeatMs: number;

  constructor(private readonly opts: NotificationHubOptions) {
    this.logger = opts.logger;
    this.heartbeatMs = opts.heartbeatMs;
    this.listener = new PgListener({
      connectionString: opts.connectionString,
      channel: NOTIFICATIONS_CHANNEL,
      logger: opts.logger,
      onMessage: (payload) => this.signalled(payload),
      onReconnect: (droppedAt) => this.resync(droppedAt),
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Ends every open stream and waits (briefly) for their responses to finish. */
  async closeStreams(timeoutMs = 2_000): Promise<void> {
    this.closing = true;
    const streams = [...this.byUser.values()].flatMap((set) => [...set]);
    for (const stream of streams) stream.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(streams.map((s) => s.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }

  get openStreams(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /**
   * A stream of the user's notifications after `Last-Event-ID`, or from now. It is subscribed
   * before it reads the table, so a notification committed meanwhile comes one way or the other.
   */
  async open(userId: number, opts: OpenStreamOptions): Promise<NotificationStream> {
    const floor = opts.lastEventId ?? (await repo.latestId(this.opts.db, userId));
    // A stream opened after the shutdown began would hold the server open.
    if (this.closing)
      throw new ApiError('unavailable', MESSAGES.shuttingDown, undefined, { 'Retry-After': '5' });
    const stream = new NotificationStream(userId, this, opts);
    const set = this.byUser.get(userId) ?? new Set();
    set.add(stream);
    this.byUser.set(userId, set);
    stream.start(this.opts.db, floor).catch((err: Error) => {
      this.logger.error({ err: { message: err.message }, userId }, 'notification stream failed to start');
      stream.end();
    });
    return stream;
  }

  forget(stream: NotificationStream): void {
    const set = this.byUser.get(stream.userId);
    set?.delete(stream);
    if (set?.size === 0) this.byUser.delete(stream.userId);
  }

  private signalled(payload: string): void {
    let signal: { id?: unknown; userId?: unknown };
    try {
      signal = JSON.parse(payload) as typeof signal;
    } catch {
      return;
    }
    if (typeof signal.id !== 'number' || typeof signal.userId !== 'number') return;
    if (!this.byUser.has(signal.userId)) return; // nobody here listens for that user
    this.pending.add(signal.id);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Signals that arrive together (one commit, many users) are read in one query; flushes run in order.
    setImmediate(() => {
      this.flushScheduled = false;
      const ids = [...this.pending];
      this.pending = new Set();
      this.flushing = this.flushing.then(() => this.fetchAndDeliver(ids));
    });
  }

  private async fetchAndDeliver(ids: number[]): Promise<void> {
    try {
      const rows = await repo.byIds(this.opts.db, ids, [...this.byUser.keys()]);
      for (const row of rows) {
        for (const stream of this.byUser.get(row.user_id) ?? []) stream.deliver(row);
      }
    } catch (err) {
      const level = isDatabaseUnavailable(err) ? 'debug' : 'warn';
      this.logger[level](
        { err: { message: (err as Error).message } },
        'could not read notifications; retrying',
      );
      setTimeout(() => {
        for (const id of ids) this.pending.add(id);
        this.scheduleFlush();
      }, 1_000).unref();
    }
  }

  /** After the LISTEN connection was lost: every open stream reads what it missed. */
  private resync(droppedAt: Date): void {
    for (const set of this.byUser.values()) {
      for (const stream of set) {
        stream.catchUp(this.opts.db, droppedAt).catch((err: Error) => {
          this.logger.warn({ err: { message: err.message } }, 'notification stream catch-up failed');
          stream.end();
        });
      }
    }
  }
}
