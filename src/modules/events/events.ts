import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';

// The outbox. A change and the event describing it are written in the same transaction, so a
// crash can lose neither one without the other; the relay (src/jobs/relay.ts) builds webhook
// deliveries and notifications from these rows after commit. Names are Journeybee's.
export const EVENT_TYPES = [
  'leads.create',
  'leads.update',
  'leads.delete',
  'leads.notes_create',
  'leads.notes_update',
  'leads.notes_delete',
  'partners.create',
  'partners.update',
  'partners.contact_create',
  'partners.contact_update',
  'users.create',
  'deals.create',
  'deals.update',
  'deals.delete',
  'deals.notes_create',
  'deals.notes_update',
  'deals.notes_delete',
  'payments.create',
  'payments.update',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The notifications an event can call for (the relay writes them; see notifications.rules.ts). */
export const NOTIFICATION_REASONS = [
  'lead_received',
  'lead_assigned',
  'note_mention',
  'partnership_accepted',
  'deal_created',
  'deal_stage_changed',
  'deal_note_mention',
  'payment_created',
  'payment_completed',
] as const;
export type NotificationReason = (typeof NOTIFICATION_REASONS)[number];

export interface NewEvent {
  companyId: number;
  type: EventType;
  /** The event's `data`, e.g. `{ "lead": { … } }` (Journeybee's webhook payload shapes). */
  payload: Record<string, unknown>;
  apiKeyId?: number | null | undefined;
  /** The user who made the change (a key's user, or a session's); their own notices are skipped. */
  actorUserId?: number | null | undefined;
  /** Internal instructions for side effects; never stored in the payload nor sent to webhooks. */
  meta?: EventMeta | undefined;
}

export interface EventMeta {
  /**
   * Notify exactly these users (active users of the event's company; the user the API key acts
   * as is skipped), e.g. the users a PATCH newly assigned, or a note's new mentions.
   */
  notifyUserIds?: number[] | undefined;
  /** Which notification they get; by default it follows from the event type and payload. */
  reason?: NotificationReason | undefined;
  /** `deal_stage_changed`: the label of the stage the owner moved the deal to. */
  stageLabel?: string | undefined;
}

/** An event as stored: with its id. */
export type RecordedEvent = NewEvent & { id: number };

/**
 * Records events in the transaction that makes the change, and wakes the relay at commit:
 * nothing else. Deliveries and notifications are the relay's work (src/jobs/relay.ts).
 */
export async function recordEvents(tx: Executor, list: NewEvent[]): Promise<void> {
  if (list.length === 0) return;
  const rows = list.map((e) => ({
    company_id: e.companyId,
    type: e.type,
    payload: e.payload,
    api_key_id: e.apiKeyId ?? null,
    actor_user_id: e.actorUserId ?? null,
    meta: e.meta ?? null,
  }));
  await tx.execute(
    outboxInsert(sql`SELECT r.company_id, r.type, r.payload, r.api_key_id, r.actor_user_id, r.meta
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(company_id int, type text, payload jsonb, api_key_id int, actor_user_id int, meta jsonb)`),
  );
}
