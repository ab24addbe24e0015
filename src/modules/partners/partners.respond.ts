import { sql } from 'drizzle-orm';
import { ApiError, notFound } from '../../core/errors.js';
import type { Executor } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { PartnershipStatus } from '../../db/schema/index.js';
import type { EventMeta } from '../events/index.js';
import { type Caller, notPending } from './partners.rules.js';
import { iso, type SidePayload, type SideView, sideJson, sidePayload } from './partners.sides.js';

// POST /v1/partners/{id}/accept and /decline (and their /v1/partnerships aliases): the invited
// company answers a pending invitation with its own key. facts → rules → write.

export type Answer = 'accept' | 'decline';

export type RespondFacts = {
  partnership_id: number;
  status: PartnershipStatus;
  /** The inviting company. */
  company_id: number;
  /** The invited company. */
  partner_company_id: number;
  invited_by_user_id: number | null;
  /** Both sides, the inviting company's first. */
  sides: SideView[];
};

/** The caller's side `id` and its partnership with both sides; undefined when not the caller's. */
export async function facts(db: Executor, caller: Caller, id: number): Promise<RespondFacts | undefined> {
  const { rows } = await db.execute<RespondFacts>(sql`
    SELECT p.id AS partnership_id, p.status, p.company_id, p.partner_company_id, p.invited_by_user_id,
      (SELECT json_agg(${sideJson('s', 'p')} ORDER BY s.company_id <> p.company_id, s.id)
        FROM company_partnerships s WHERE s.partnership_id = p.id) AS sides
    FROM company_partnerships cp JOIN partnerships p ON p.id = cp.partnership_id
    WHERE cp.id = ${id} AND cp.company_id = ${caller.companyId}`);
  return rows[0];
}

export interface RespondPlan {
  partnershipId: number;
  to: Extract<PartnershipStatus, 'accepted' | 'declined'>;
  /** The caller's side as it is before the write (its status fields are the write's). */
  mine: SideView;
  /** One `partners.update` per side, in this order; status and its stamps are the write's. */
  events: { sideId: number; companyId: number; payload: SidePayload; meta: EventMeta | null }[];
  apiKeyId: number | null;
}

const DONE = { accept: 'accepted', decline: 'declined' } as const;

export function rules(
  facts: RespondFacts | undefined,
  caller: Caller,
  id: number,
  answer: Answer,
): RespondPlan {
  if (!facts) throw notFound('Partner');
  if (facts.partner_company_id !== caller.companyId) {
    throw new ApiError('forbidden', `Only the invited company can ${answer} this partnership`);
  }
  const to = DONE[answer];
  if (facts.status !== 'pending') throw notPending(facts.status, to);
  // Both companies see the new status; the inviting one is told of an acceptance.
  const accepted: EventMeta = {
    reason: 'partnership_accepted',
    notifyUserIds: facts.invited_by_user_id ? [facts.invited_by_user_id] : [],
  };
  return {
    partnershipId: facts.partnership_id,
    to,
    mine: facts.sides.find((s) => s.id === id)!,
    events: facts.sides.map((side) => ({
      sideId: side.id,
      companyId: side.company_id,
      payload: sidePayload(side),
      meta: side.company_id === facts.company_id && to === 'accepted' ? accepted : null,
    })),
    apiKeyId: caller.keyId ?? null,
  };
}

/** What the write changed of a side: the shared status and its stamps, the side's updated_at. */
interface StatusChange {
  status: PartnershipStatus;
  accepted_at: string | null;
  declined_at: string | null;
  updated_at: string;
}

/**
 * Moves the partnership from pending (the guard: a concurrent answer or withdrawal wins, and
 * this returns undefined) and records the events, in one statement. Returns the caller's side.
 */
export async function write(db: Executor, plan: RespondPlan): Promise<SideView | undefined> {
  const events = JSON.stringify(
    plan.events.map((e, ord) => ({
      ord,
      side_id: e.sideId,
      company_id: e.companyId,
      payload: e.payload,
      meta: e.meta,
    })),
  );
  const { rows } = await db.execute<{ changed: StatusChange }>(sql`
    WITH moved AS (
      UPDATE partnerships SET status = ${plan.to}::text, updated_at = now(),
        accepted_at = CASE WHEN ${plan.to}::text = 'accepted' THEN now() ELSE accepted_at END,
        declined_at = CASE WHEN ${plan.to}::text = 'declined' THEN now() ELSE declined_at END
      WHERE id = ${plan.partnershipId} AND status = 'pending'
      RETURNING status, updated_at, accepted_at, declined_at),
    sides AS (
      SELECT e.ord, e.side_id, e.company_id, e.payload, e.meta,
        jsonb_build_object('status', m.status, 'accepted_at', ${iso(sql`m.accepted_at`)},
          'declined_at', ${iso(sql`m.declined_at`)},
          'updated_at', ${iso(sql`greatest(cp.updated_at, m.updated_at)`)}) AS changed
      FROM moved m
      CROSS JOIN jsonb_to_recordset(${events}::jsonb)
        AS e(ord int, side_id int, company_id int, payload jsonb, meta jsonb)
      JOIN company_partnerships cp ON cp.id = e.side_id),
    outbox AS (${outboxInsert(sql`
      SELECT company_id, 'partners.update', jsonb_build_object('partnership', payload || changed),
        ${plan.apiKeyId}::int, NULL::int, meta
      FROM sides ORDER BY ord`)})
    SELECT changed FROM sides WHERE side_id = ${plan.mine.id}`);
  const changed = rows[0]?.changed;
  if (!changed) return undefined;
  const { updated_at, ...status } = changed;
  return { ...plan.mine, partnership: { ...plan.mine.partnership, ...status }, updated_at };
}
