import type { Executor } from '../../db/database.js';
import { events } from '../../db/schema/index.js';
import { type NotificationReason, notifyForEvents } from '../notifications/notifications.rules.js';
import { enqueueWebhookDeliveries } from '../webhooks/webhooks.outbox.js';

// The outbox. A change and the event describing it are written in the same transaction, so a
// crash can lose neither one without the other; webhook deliveries and notifications are built
// from these rows afterwards. Names are Journeybee's.
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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

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
}

/** An event as stored: with its id. */
export type RecordedEvent = NewEvent & { id: number };

/** Records events; call it with the transaction that makes the change. */
export async function recordEvents(tx: Executor, list: NewEvent[]): Promise<void> {
  if (list.length === 0) return;
  const rows = await tx
    .insert(events)
    .values(
      list.map((e) => ({
        company_id: e.companyId,
        type: e.type,
        payload: e.payload,
        api_key_id: e.apiKeyId ?? null,
      })),
    )
    .returning({ id: events.id });
  // RETURNING lists a multi-row VALUES insert in its order.
  const recorded = list.map((e, i) => ({ ...e, id: rows[i]!.id }));
  await notifyForEvents(tx, recorded);
  await enqueueWebhookDeliveries(
    tx,
    rows.map((r) => r.id),
  );
}
