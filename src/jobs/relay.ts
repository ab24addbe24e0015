import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { EVENTS_CHANNEL } from '../db/outbox.js';
import { PgListener } from '../db/pg-listener.js';
import type { Logger } from '../lib/logger.js';
import type { EventMeta, EventType, RecordedEvent } from '../modules/events/index.js';
import { notifyForEvents } from '../modules/notifications/index.js';
import { enqueueWebhookDeliveries } from '../modules/webhooks/index.js';

// The outbox relay, one per server process. A write commits its events (and a NOTIFY on
// journeybee_events) and nothing else; the relay claims committed events that no relay has
// handled yet, in batches, with FOR UPDATE SKIP LOCKED, and in one transaction per batch turns
// them into webhook deliveries and notifications and marks them relayed. Several processes share
// the work without relaying an event twice (a claimed row is locked until its batch commits), and
// nothing is lost across kill -9: a batch that did not commit leaves its events unrelayed, and
// the next relay (any process, on its next wake-up or poll) takes them again.

export interface RelayOptions {
  database: Database;
  logger: Logger;
  /** Events per transaction. */
  batchSize?: number;
  /** The safety net besides NOTIFY: a lost LISTEN connection, events of a crashed process. */
  pollIntervalMs?: number;
}

interface ClaimedEvent extends Record<string, unknown> {
  id: number | string;
  company_id: number;
  type: EventType;
  payload: Record<string, unknown>;
  api_key_id: number | null;
  actor_user_id: number | null;
  meta: EventMeta | null;
}

export class EventRelay {
  private readonly listener: PgListener;
  private readonly log: Logger;
  private readonly batchSize: number;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The pass in progress, if any; a wake-up during it asks for one more. */
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly opts: RelayOptions) {
    this.log = opts.logger.child({ component: 'relay' });
    this.batchSize = opts.batchSize ?? 200;
    this.listener = new PgListener({
      connectionString: opts.database.connectionString,
      channel: EVENTS_CHANNEL,
      applicationName: 'journeybee-relay',
      logger: this.log,
      onMessage: () => this.wake(),
      onReconnect: () => this.wake(),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    this.pollTimer = setInterval(() => this.wake(), this.opts.pollIntervalMs ?? 1_000);
    this.pollTimer.unref();
    this.wake();
  }

  /** Stops waking up; waits for the batch in progress to commit. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await this.listener.stop();
    await this.running;
  }

  /** Relays whatever is committed and unrelayed, now; resolves when this pass is done. */
  wake(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.wake();
      }
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      while ((await this.relayBatch()) === this.batchSize) {
        // A full batch: there may be more.
      }
    } catch (err) {
      // The database is unreachable or restarting: the poll tries again. The outage is logged
      // once, by the availability monitor, not by every pass.
      if (this.opts.database.availability.report(err)) {
        this.log.debug(
          { err: { message: (err as Error).message } },
          'relay pass failed: database unavailable',
        );
      } else {
        this.log.warn({ err: { message: (err as Error).message } }, 'relay pass failed');
      }
    }
  }

  /** One batch in one transaction; the number of events it relayed. */
  private relayBatch(): Promise<number> {
    return this.opts.database.db.transaction(async (tx) => {
      const { rows } = await tx.execute<ClaimedEvent>(sql`
        UPDATE events SET relayed_at = now()
        WHERE id IN (
          SELECT id FROM events WHERE relayed_at IS NULL
          ORDER BY id LIMIT ${this.batchSize}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, company_id, type, payload, api_key_id, actor_user_id, meta`);
      if (rows.length === 0) return 0;
      const events: RecordedEvent[] = rows
        .map((r) => ({
          id: Number(r.id),
          companyId: r.company_id,
          type: r.type,
          payload: r.payload,
          apiKeyId: r.api_key_id,
          actorUserId: r.actor_user_id,
          meta: r.meta ?? undefined,
        }))
        .sort((a, b) => a.id - b.id);
      await notifyForEvents(tx, events);
      await enqueueWebhookDeliveries(
        tx,
        events.map((e) => e.id),
      );
      return events.length;
    });
  }
}
