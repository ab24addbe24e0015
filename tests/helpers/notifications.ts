import http from 'node:http';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { events, notifications } from '../../src/db/schema/index.js';
import { type ApiClient, uniq } from './app.js';
import type { makeTenant } from './factories.js';
import { invitePartner } from './partners.js';

// Notifications tests: an SSE client, the outbox and notification rows, partnerships to accept.

/** One Server-Sent Event as a client parses it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  /** When the client had read it (Date.now()). */
  at: number;
}

/**
 * A Server-Sent Events client (node:http, one connection of its own, no pooling), like a
 * browser's EventSource but with headers (the API key, `Last-Event-ID`): it records every event
 * and comment line as they arrive.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** Resolves when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;
  private waiters: (() => void)[] = [];
  private isEnded = false;
  private buffer = '';

  private constructor(
    private readonly req: http.ClientRequest,
    private readonly res: http.IncomingMessage,
  ) {
    this.ended = new Promise((resolve) => {
      const finish = () => {
        this.isEnded = true;
        this.wake();
        resolve();
      };
      res.once('close', finish);
      res.once('error', finish);
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.receive(chunk));
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get headers(): Headers {
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.res.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    return headers;
  }

  /** Opens the stream; resolves once the response headers arrived. */
  static open(url: string, key: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        url,
        {
          agent: false,
          // No key (''): a browser's EventSource, authenticated by the cookie in `headers`.
          headers: {
            ...(key ? { authorization: `Bearer ${key}` } : {}),
            accept: 'text/event-stream',
            ...headers,
          },
        },
        (res) => resolve(new SseClient(req, res)),
      );
      req.once('error', reject);
    });
  }

  get done(): boolean {
    return this.isEnded;
  }

  /** The `data` of each `notification` event, parsed. */
  notifications(): any[] {
    return this.events.filter((e) => e.event === 'notification').map((e) => JSON.parse(e.data));
  }

  /** Waits until an event matches (checking those already received first). */
  async waitFor(match: (e: SseEvent) => boolean, ms: number, what = 'an event'): Promise<SseEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.isEnded) {
        throw new Error(`no ${what} within ${ms} ms (got ${JSON.stringify(this.events.map((e) => e.data))})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The notification with this id, once it arrived. */
  async waitForNotification(id: number, ms: number): Promise<SseEvent> {
    return this.waitFor((e) => e.id === String(id), ms, `notification ${id}`);
  }

  close(): void {
    this.req.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end !== -1) {
      this.parse(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf('\n\n');
    }
    this.wake();
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('retry: ')) this.retries.push(Number(line.slice(7)));
    }
    if (data.length > 0) this.events.push({ id, event, data: data.join('\n'), at: Date.now() });
  }
}

/** The company's events after `afterId`, oldest first. */
export async function eventsOf(db: Db, companyId: number, afterId = 0) {
  return db
    .select()
    .from(events)
    .where(and(eq(events.company_id, companyId), gt(events.id, afterId)))
    .orderBy(asc(events.id));
}

/** The highest event id so far (to read only what the next request records). */
export async function latestEventId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<number | null>`max(${events.id})` }).from(events);
  return Number(row?.id ?? 0);
}

/**
 * Resolves once the outbox relay (running in the test's server) has relayed every event committed
 * so far: notifications and deliveries are written after the change's commit, not in it.
 */
export async function relayed(db: Db, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const pending = await db.execute(sql`SELECT 1 FROM events WHERE relayed_at IS NULL LIMIT 1`);
    if (pending.rows.length === 0) return;
    if (Date.now() > until) throw new Error('the outbox relay did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A user's notifications straight from the table, oldest first, once the relay has caught up. */
export async function notificationsOf(db: Db, userId: number) {
  await relayed(db);
  return db
    .select()
    .from(notifications)
    .where(eq(notifications.user_id, userId))
    .orderBy(asc(notifications.id));
}

/**
 * `inviterKey`'s company invites `invited` (an existing company, matched by its domain):
 * both sides of the pending partnership, and `answer()` for the invited company's reply.
 */
export async function invite(
  api: ApiClient,
  inviterKey: string,
  invited: Awaited<ReturnType<typeof makeTenant>>,
  overrides: Record<string, unknown> = {},
) {
  const mine = await invitePartner(api, inviterKey, invited.company.domain!, overrides);
  const list = await api.get('/v1/partners?pageSize=50', { key: invited.readKey });
  const theirs = list.body.data.find((p: any) => p.partnership_id === mine.partnership_id);
  const answer = async (reply: 'accept' | 'decline' = 'accept') => {
    const res = await api.post(`/v1/partnerships/${theirs.id}/${reply}`, { key: invited.writeKey });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  return { mine, theirs, answer };
}

/** POST /v1/leads of a referral lead sent to the partner (its copy assigned to `partnerUsers`). */
export async function sendLead(
  api: ApiClient,
  key: string,
  partnershipId: number,
  partnerUsers?: number[],
  companyName = 'Initech',
) {
  const res = await api.post('/v1/leads', {
    key,
    body: {
      company_name: companyName,
      email: `lead-${uniq()}@example.test`,
      associationType: 'referral',
      partnershipLead: { partnership_id: partnershipId, sendToPartner: true, partnerUsers },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; uuid: string; partnershipLeadId: number | null };
}
