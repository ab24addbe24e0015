import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import type { Config } from '../../config/index.js';
import { APPLICATION_NAME, type Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { DELIVERIES_CHANNEL } from './webhooks.outbox.js';
import { type Claim, claimDue, type Outcome, recordAttempt, releaseClaim } from './webhooks.queue.js';
import type { SecretBox } from './webhooks.secrets.js';
import { type SendResult, sendWebhook } from './webhooks.sender.js';

// The delivery worker, one per server process. Deliveries are rows (webhook_deliveries), written
// in the transaction of the change they describe, so nothing is lost between a commit and a send
// and they survive restarts. Each process claims due rows with FOR UPDATE SKIP LOCKED (see
// webhooks.queue.ts), so several processes share the work without sending a delivery twice; it
// wakes on NOTIFY journeybee_deliveries (sent at the commit that queued work), on its own timer
// for the next retry it scheduled, and on a poll as the safety net (expired leases of a crashed
// process, retries scheduled by another one, a lost LISTEN connection).

export interface WebhookWorkerDeps {
  database: Database;
  config: Pick<
    Config,
    | 'webhookTimeoutMs'
    | 'webhookRetryScheduleMs'
    | 'webhookDisableAfterFailures'
    | 'webhookConcurrency'
    | 'webhookPollIntervalMs'
    | 'webhookAllowPrivateNetworks'
    | 'shutdownTimeoutMs'
  >;
  secrets: SecretBox;
  logger: Logger;
}

/** Up to this fraction is added to each retry delay, so retries of many deliveries spread out. */
const JITTER = 0.1;
const RELISTEN_MS = 1_000;

/** The envelope every delivery POSTs: `{id, type, timestamp, data}`. */
export function envelope(
  claim: Pick<Claim, 'eventUuid' | 'eventType' | 'eventTimestamp' | 'payload'>,
): string {
  return JSON.stringify({
    id: claim.eventUuid,
    type: claim.eventType,
    timestamp: claim.eventTimestamp,
    data: claim.payload,
  });
}

/** What an attempt's result means for the delivery, given the retry schedule. */
export function decide(result: SendResult, attempt: number, scheduleMs: readonly number[]): Outcome {
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'gone' };
  const wait = scheduleMs[attempt];
  if (wait === undefined) return { kind: 'failed' };
  return { kind: 'retry', delayMs: Math.round(wait * (1 + Math.random() * JITTER)) };
}

export class WebhookWorker {
  private listener: pg.Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  /** When retries this process scheduled fall due, earliest first. */
  private readonly wakeTimes: number[] = [];
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Aborts in-flight sends when shutdown's grace period runs out. */
  private readonly shutdown = new AbortController();
  private claiming: Promise<void> | undefined;
  /** Something may be due: claim as soon as there is room. */
  private wanted = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly log: Logger;

  constructor(private readonly deps: WebhookWorkerDeps) {
    const timeout = deps.config.webhookTimeoutMs;
    // The lease covers the whole attempt (DNS, connect, response) and the write of its outcome.
    this.leaseMs = timeout + Math.min(5_000, Math.max(1_000, timeout / 2));
    this.log = deps.logger.child({ component: 'webhooks' });
  }

  async start(): Promise<void> {
    await this.listen();
    this.pollTimer = setInterval(() => this.wake(), this.deps.config.webhookPollIntervalMs);
    this.pollTimer.unref();
    this.wake();
  }

  /** Stops claiming; waits for sends in flight (bounded), then aborts and releases the rest. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      clearInterval(this.pollTimer);
      clearTimeout(this.wakeTimer);
      await this.listener?.end().catch(() => {});
      await this.claiming;
      const all = Promise.allSettled([...this.inFlight.values()]);
      const { webhookTimeoutMs, shutdownTimeoutMs } = this.deps.config;
      const grace = Math.min(webhookTimeoutMs, shutdownTimeoutMs / 2);
      const finished = await Promise.race([all.then(() => true), sleep(grace, false, { ref: false })]);
      if (!finished) {
        this.log.info({ inFlight: this.inFlight.size }, 'releasing webhook deliveries still in flight');
        this.shutdown.abort();
        await all;
      }
    })();
    return this.stopping;
  }

  wake(): void {
    this.wanted = true;
    this.fill();
  }

  /** Wakes the worker at `ms` from now (a retry it scheduled), besides every earlier wake-up. */
  private wakeIn(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    // Sorted, so the timer always waits for the earliest; a later one is set when it fires.
    const i = this.wakeTimes.findIndex((t) => t > at);
    this.wakeTimes.splice(i === -1 ? this.wakeTimes.length : i, 0, at);
    this.armWakeTimer();
  }

  private armWakeTimer(): void {
    const next = this.wakeTimes[0];
    if (next === undefined || next === this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = next;
    this.wakeTimer = setTimeout(
      () => {
        const now = Date.now();
        while (this.wakeTimes[0] !== undefined && this.wakeTimes[0] <= now) this.wakeTimes.shift();
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.armWakeTimer();
        this.wake();
      },
      Math.max(0, next - Date.now()),
    );
    this.wakeTimer.unref();
  }

  private fill(): void {
    if (this.stopped || this.claiming || !this.wanted) return;
    const room = this.deps.config.webhookConcurrency - this.inFlight.size;
    if (room <= 0) return; // a finishing send calls fill() again
    this.wanted = false;
    this.claiming = this.claim(room)
      .catch((err: Error) => this.warn(err, 'claiming webhook deliveries failed'))
      .finally(() => {
        this.claiming = undefined;
        this.fill();
      });
  }

  private async claim(room: number): Promise<void> {
    const claims = await claimDue(this.deps.database.db, room, this.leaseMs);
    if (claims.length === room) this.wanted = true; // a full batch: there may be more
    for (const claim of claims) {
      if (this.stopped) {
        await this.release(claim);
        continue;
      }
      const work = this.deliver(claim)
        .catch((err: Error) => {
          // Typically the outcome could not be written (database gone): the lease expires and
          // the delivery is tried again, so it is delivered at least once.
          if (this.deps.database.availability.report(err)) {
            this.log.info(
              { delivery: claim.id },
              'webhook attempt outcome not recorded (database unavailable): retried when its lease expires',
            );
          } else {
            this.log.error({ err: { message: err.message }, delivery: claim.id }, 'webhook delivery failed');
          }
        })
        .finally(() => {
          this.inFlight.delete(claim.id);
          this.fill();
        });
      this.inFlight.set(claim.id, work);
    }
  }

  private async release(claim: Claim): Promise<void> {
    await releaseClaim(this.deps.database.db, claim).catch((err: Error) =>
      this.warn(err, 'releasing a webhook delivery failed', { delivery: claim.id }),
    );
  }

  /** A failure worth a warning, unless it is the database outage (logged once, elsewhere). */
  private warn(err: Error, msg: string, context: Record<string, unknown> = {}): void {
    const level = this.deps.database.availability.report(err) ? 'debug' : 'warn';
    this.log[level]({ ...context, err: { message: err.message } }, msg);
  }

  private async signatures(claim: Claim, msgTimestamp: Date, body: string): Promise<string> {
    const { secrets } = this.deps;
    const sealed = [claim.secretEncrypted, claim.previousSecretEncrypted].filter((s): s is string =>
      Boolean(s),
    );
    const keys = await Promise.all(sealed.map((s) => secrets.decrypt(s)));
    return keys.map((key) => new Webhook(key).sign(claim.uuid, msgTimestamp, body)).join(' ');
  }

  private async attempt(claim: Claim): Promise<SendResult> {
    const { config } = this.deps;
    const body = envelope(claim);
    const now = new Date();
    let signature: string;
    try {
      signature = await this.signatures(claim, now, body);
    } catch (err) {
      this.log.error({ err: { message: (err as Error).message }, webhook: claim.endpointId }, 'cannot sign');
      return {
        statusCode: null,
        excerpt: null,
        error: (err as Error).message,
        durationMs: 0,
        aborted: false,
      };
    }
    return sendWebhook({
      url: claim.url,
      headers: {
        'webhook-id': claim.uuid,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
      signal: this.shutdown.signal,
    });
  }

  private async deliver(claim: Claim): Promise<void> {
    const startedAt = new Date();
    const result = await this.attempt(claim);
    if (result.aborted) return this.release(claim);
    const { config } = this.deps;
    const outcome = decide(result, claim.attempts, config.webhookRetryScheduleMs);
    const written = await recordAttempt(
      this.deps.database.db,
      claim,
      {
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        excerpt: result.excerpt,
        error: result.error,
      },
      outcome,
      config.webhookDisableAfterFailures,
    );
    const context = { delivery: claim.id, webhook: claim.endpointId, attempt: claim.attempts };
    if (!written.recorded) {
      // Its lease ran out and another worker took it over, or the endpoint was deleted meanwhile.
      this.log.info(context, 'webhook attempt outcome discarded: the delivery changed hands or was deleted');
      return;
    }
    this.log.debug({ ...context, status: result.statusCode, outcome: outcome.kind }, 'webhook attempt');
    if (outcome.kind === 'retry') this.wakeIn(outcome.delayMs);
    if (written.disabledReason) {
      this.log.warn(
        { webhook: claim.endpointId, reason: written.disabledReason },
        'webhook endpoint disabled',
      );
    }
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.deps.database.connectionString,
      application_name: APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 2_000,
    });
    client.on('notification', () => this.wake());
    const lost = () => {
      if (this.listener !== client || this.stopped) return;
      this.listener = undefined;
      client.end().catch(() => {});
      setTimeout(() => void this.listen(), RELISTEN_MS).unref();
    };
    client.on('error', (err) => {
      this.log.warn({ err: { message: err.message } }, 'webhook LISTEN connection lost');
      lost();
    });
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      this.listener = client;
      if (this.stopped) await client.end();
      else this.wake(); // catch up on anything queued while not listening
    } catch (err) {
      this.warn(err as Error, 'webhook LISTEN failed; polling meanwhile');
      await client.end().catch(() => {});
      setTimeout(() => void this.listen(), RELISTEN_MS).unref();
    }
  }
}
