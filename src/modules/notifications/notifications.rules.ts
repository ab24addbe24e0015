import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { notifications } from '../../db/schema/index.js';
import type { EventType, NotificationReason, RecordedEvent } from '../events/index.js';
import {
  insertNotifications,
  type NewNotification,
  type NotificationType,
  notificationsRepository as repo,
} from './notifications.repository.js';

// Which events notify whom. The outbox relay (src/jobs/relay.ts) runs it after the change has
// committed, in the transaction that marks the events relayed, so each event's notifications are
// written exactly once (and their NOTIFYs go out at that commit).

/** The notifications derived from events (`webhook_disabled` comes from the delivery worker). */
export type { NotificationReason };

type Json = Record<string, unknown>;

/** Who gets a notification and what it says, before recipients are checked against the database. */
interface Plan {
  type: NotificationReason;
  /** Users the event names: explicitly (meta) or from its payload. */
  named: { ids: number[]; uuids: string[] };
  /** true when `named` came from `meta.notifyUserIds`: taken as is, not de-duplicated. */
  explicit: boolean;
  /** The company's active admins: always, only when nobody named is active, or never. */
  admins: 'always' | 'fallback' | 'never';
  /** Skip the user the API key acts as (you need no notice of your own assignment or mention). */
  skipActor: boolean;
  /** The `data` key and value naming the subject; a derived recipient is notified once per subject. */
  subject: { key: string; value: string } | undefined;
  title: string;
  body: string | null;
  data: Json;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const asId = (v: unknown): number | undefined =>
  Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined;
const defined = <T>(v: T | undefined): v is T => v !== undefined;

function excerpt(text: string | undefined, max = 280): string | null {
  if (!text) return null;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || null;
}

/** "Acme Corp", else the contact's name, else the email. */
function leadLabel(lead: Json): string {
  const name = [asString(lead.first_name), asString(lead.last_name)].filter(defined).join(' ');
  return asString(lead.company_name) ?? (name || asString(lead.email) || 'A lead');
}

/** Users named in a payload list such as `assigned_users: [{id?, uuid, …}]`. */
function usersIn(list: unknown): Plan['named'] {
  const users = asArray(list).map(asObject);
  return {
    ids: users.map((u) => asId(u.id)).filter(defined),
    uuids: users.map((u) => asString(u.uuid)).filter((u): u is string => u !== undefined && UUID.test(u)),
  };
}

const nobody = (): Plan['named'] => ({ ids: [], uuids: [] });

/** A partner's copy: the lead came in from a partner (`received_from_company` non-empty). */
export function isReceivedLead(lead: Json): boolean {
  return asArray(lead.received_from_company).length > 0 || lead.origin === 'received';
}

function leadPlan(event: RecordedEvent, reason: NotificationReason): Plan {
  const lead = asObject(event.payload.lead);
  const leadUuid = asString(lead.uuid);
  const data: Json = { lead_id: asId(lead.id) ?? null, lead_uuid: leadUuid ?? null };
  const base = {
    named: event.type === 'leads.update' ? nobody() : usersIn(lead.assigned_users),
    explicit: false,
    skipActor: true,
    admins: 'never' as const,
    subject: leadUuid ? { key: 'lead_uuid', value: leadUuid } : undefined,
    body: leadLabel(lead),
  };
  if (reason === 'lead_received') {
    const from = asObject(asArray(lead.received_from_company)[0]);
    const partner = asString(from.company_name);
    return {
      ...base,
      type: reason,
      admins: 'fallback',
      skipActor: false,
      title: partner ? `New lead from ${partner}` : 'New lead from a partner',
      data: {
        ...data,
        partnership_uuid: asString(from.partnership_uuid) ?? null,
        from_company_name: partner ?? null,
      },
    };
  }
  return { ...base, type: 'lead_assigned', title: 'A lead was assigned to you', data };
}

async function notePlan(tx: Executor, event: RecordedEvent): Promise<Plan | undefined> {
  const note = asObject(event.payload.note);
  const noteUuid = asString(note.uuid);
  const stored =
    noteUuid && UUID.test(noteUuid) ? await repo.noteByUuid(tx, event.companyId, noteUuid) : undefined;
  const author =
    [asString(note.user_first_name), asString(note.user_last_name)].filter(defined).join(' ') ||
    asString(note.user_email);
  return {
    type: 'note_mention',
    // A note's mentions are stored on it; a new mention is one not yet notified for this note.
    named: { ids: stored?.mentions ?? [], uuids: [] },
    explicit: false,
    admins: 'never',
    skipActor: true,
    subject: noteUuid ? { key: 'note_uuid', value: noteUuid } : undefined,
    title: `${author ?? 'Someone'} mentioned you in a note`,
    body: excerpt(asString(note.document)),
    data: {
      lead_id: stored?.leadId ?? null,
      lead_uuid: asString(note.lead_uuid) ?? null,
      note_id: stored?.id ?? null,
      note_uuid: noteUuid ?? null,
    },
  };
}

function acceptedPlan(event: RecordedEvent): Plan {
  const p = asObject(event.payload.partnership);
  const name = asString(p.company_name) ?? 'Your partner';
  return {
    type: 'partnership_accepted',
    named: nobody(),
    explicit: false,
    admins: 'always',
    skipActor: false,
    subject: undefined,
    title: `${name} accepted your partnership invitation`,
    body: null,
    data: {
      partner_id: asId(p.id) ?? null,
      partnership_id: asId(p.partnership_id) ?? null,
      partnership_uuid: asString(p.partnership_uuid) ?? null,
      company_name: asString(p.company_name) ?? null,
    },
  };
}

/**
 * A deal on a lead the partner side sent (deals.commands.ts `partnerNotice`): the write names
 * the recipients in `meta.notifyUserIds` (the users of that side's lead and who sent it); the
 * side's admins hear of it when none of them is active.
 */
function dealPlan(event: RecordedEvent, reason: 'deal_created' | 'deal_stage_changed'): Plan {
  const deal = asObject(event.payload.deal);
  const owner = asString(deal.partner_company_name) ?? 'Your partner';
  const stage = event.meta?.stageLabel;
  return {
    type: reason,
    named: nobody(),
    explicit: false,
    admins: 'fallback',
    skipActor: false,
    subject: undefined,
    title:
      reason === 'deal_created'
        ? `${owner} opened a deal on a lead you sent`
        : `${owner} moved a deal on a lead you sent${stage ? ` to ${stage}` : ''}`,
    body: asString(deal.label) ?? null,
    data: {
      deal_id: asId(deal.id) ?? null,
      deal_uuid: asString(deal.uuid) ?? null,
      lead_uuid: asString(deal.lead_uuid) ?? null,
      partnership_uuid: asString(deal.partnership_uuid) ?? null,
      from_company_name: asString(deal.partner_company_name) ?? null,
    },
  };
}

// ---- deals: a deal note's mentions, and the partner's side of a deal's payments ----

/** A deal note's new mentions come in `meta.notifyUserIds` (its write knows which are new). */
function dealNotePlan(event: RecordedEvent): Plan {
  const note = asObject(event.payload.note);
  const author =
    [asString(note.user_first_name), asString(note.user_last_name)].filter(defined).join(' ') ||
    asString(note.user_email);
  return {
    type: 'deal_note_mention',
    named: nobody(),
    explicit: false,
    admins: 'never',
    skipActor: true,
    subject: undefined,
    title: `${author ?? 'Someone'} mentioned you in a deal note`,
    body: excerpt(asString(note.document)),
    data: { deal_uuid: asString(note.lead_deal_uuid) ?? null, note_uuid: asString(note.uuid) ?? null },
  };
}

/**
 * The users of `companyId` assigned to the deal `dealUuid` when that company is the deal's
 * partner side; undefined when it is not (the owner's side hears nothing of its own payments).
 */
async function partnerSideUsers(tx: Executor, companyId: number, dealUuid: string) {
  const { rows } = await tx.execute<{ ids: number[] }>(sql`SELECT coalesce(array_agg(du.user_id)
      FILTER (WHERE du.user_id IS NOT NULL), '{}') AS ids
    FROM deals d JOIN deal_sides s ON s.deal_id = d.id AND s.company_id = ${companyId} AND s.role = 'partner'
    LEFT JOIN deal_users du ON du.deal_id = d.id
      AND du.user_id IN (SELECT u.id FROM users u WHERE u.company_id = ${companyId})
    WHERE d.uuid = ${dealUuid} GROUP BY d.id`);
  return rows[0]?.ids;
}

/** A payment made or completed: the partner's admins and its users on the deal. */
async function paymentPlan(tx: Executor, event: RecordedEvent, reason: NotificationReason) {
  const payment = asObject(event.payload.payment);
  const deal = asObject(event.payload.deal);
  const dealUuid = asString(payment.deal_uuid);
  const users =
    dealUuid && UUID.test(dealUuid) ? await partnerSideUsers(tx, event.companyId, dealUuid) : undefined;
  if (!users) return undefined;
  const amount = [asString(payment.payment_value), asString(asObject(payment.currency).code)]
    .filter(defined)
    .join(' ');
  const label = asString(deal.label) ?? 'a deal';
  return {
    type: reason,
    named: { ids: users, uuids: [] },
    explicit: false,
    admins: 'always',
    skipActor: false,
    subject: undefined,
    title:
      reason === 'payment_completed' ? `A payment on ${label} was completed` : `A payment is due on ${label}`,
    body: amount || null,
    data: {
      deal_uuid: dealUuid ?? null,
      payment_id: asId(payment.id) ?? null,
      payment_uuid: asString(payment.uuid) ?? null,
    },
  } satisfies Plan;
}

/** The reason an event notifies by default (without `meta.reason`). */
function defaultReason(event: RecordedEvent): NotificationReason | undefined {
  const defaults: Partial<Record<EventType, NotificationReason>> = {
    'leads.create': isReceivedLead(asObject(event.payload.lead)) ? 'lead_received' : 'lead_assigned',
    'leads.update': 'lead_assigned',
    'leads.notes_create': 'note_mention',
    'leads.notes_update': 'note_mention',
    'payments.create': 'payment_created',
  };
  return defaults[event.type];
}

async function planFor(tx: Executor, event: RecordedEvent): Promise<Plan | undefined> {
  const reason = event.meta?.reason ?? defaultReason(event);
  if (!reason) return undefined;
  let plan: Plan | undefined;
  if (reason === 'partnership_accepted') plan = acceptedPlan(event);
  else if (reason === 'note_mention') plan = await notePlan(tx, event);
  else if (reason === 'deal_created' || reason === 'deal_stage_changed') plan = dealPlan(event, reason);
  else if (reason === 'deal_note_mention') plan = dealNotePlan(event);
  else if (reason === 'payment_created' || reason === 'payment_completed')
    plan = await paymentPlan(tx, event, reason);
  else plan = leadPlan(event, reason);
  const explicit = event.meta?.notifyUserIds;
  if (plan && explicit) plan = { ...plan, named: { ids: explicit, uuids: [] }, explicit: true };
  // What was just created has no earlier notification to repeat.
  if (plan && (event.type === 'leads.create' || event.type === 'leads.notes_create'))
    plan.subject = undefined;
  return plan;
}

/** Derived recipients already notified of this subject (an update repeats the assigned users). */
async function alreadyNotified(tx: Executor, plan: Plan, userIds: number[]): Promise<Set<number>> {
  if (plan.explicit || !plan.subject || userIds.length === 0) return new Set();
  const kinds: NotificationType[] =
    plan.type === 'note_mention' ? ['note_mention'] : ['lead_assigned', 'lead_received'];
  const rows = await tx
    .selectDistinct({ userId: notifications.user_id })
    .from(notifications)
    .where(
      and(
        inArray(notifications.user_id, userIds),
        inArray(notifications.type, kinds),
        eq(sql`${notifications.data} ->> ${plan.subject.key}`, plan.subject.value),
      ),
    );
  return new Set(rows.map((r) => r.userId));
}

async function recipients(tx: Executor, event: RecordedEvent, plan: Plan): Promise<number[]> {
  const { companyId } = event;
  // Only active users of the event's company: a payload can never reach into another tenant.
  let ids = await repo.activeUserIds(tx, companyId, plan.named.ids, plan.named.uuids);
  if (plan.admins === 'always' || (plan.admins === 'fallback' && ids.length === 0)) {
    ids = [...ids, ...(await repo.activeAdminIds(tx, companyId))];
  }
  if (ids.length === 0) return [];
  const skip = await alreadyNotified(tx, plan, ids);
  if (plan.skipActor) {
    const actor = event.actorUserId ?? (event.apiKeyId ? await repo.keyUserId(tx, event.apiKeyId) : null);
    if (actor !== null) skip.add(actor);
  }
  return [...new Set(ids)].filter((id) => !skip.has(id)).sort((a, b) => a - b);
}

/** Writes the notifications the events call for, in the caller's transaction. */
export async function notifyForEvents(tx: Executor, list: RecordedEvent[]): Promise<void> {
  const rows: NewNotification[] = [];
  for (const event of list) {
    const plan = await planFor(tx, event);
    if (!plan) continue;
    for (const userId of await recipients(tx, event, plan)) {
      const { type, title, body, data } = plan;
      rows.push({ companyId: event.companyId, userId, type, title, body, data, eventId: event.id });
    }
  }
  await insertNotifications(tx, rows);
}
