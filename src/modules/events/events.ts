import type { Executor } from '../../db/database.js';
import { events } from '../../db/schema/index.js';

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
}

/** Records events; call it with the transaction that makes the change. */
export async function recordEvents(tx: Executor, list: NewEvent[]): Promise<void> {
  if (list.length === 0) return;
  await tx.insert(events).values(
    list.map((e) => ({
      company_id: e.companyId,
      type: e.type,
      payload: e.payload,
      api_key_id: e.apiKeyId ?? null,
    })),
  );
}
