import { sql } from 'drizzle-orm';
import { ApiError, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { PartnershipStatus } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import type { EventMeta } from '../events/index.js';
import { type Caller, notPending } from './partners.rules.js';
import { payloadJson, type SideView, sideJson } from './partners.sides.js';

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
};

/** The partnership of the caller's side `id`; undefined when the side is not the caller's. */
export async function facts(db: Db, caller: Caller, id: number): Promise<RespondFacts | undefined> {
  const rows = await queryRows<RespondFacts>(
    db,
    sql`
    SELECT p.id AS partnership_id, p.status, p.company_id, p.partner_company_id, p.invited_by_user_id
    FROM company_partnerships cp JOIN partnerships p ON p.id = cp.partnership_id
    WHERE cp.id = ${id} AND cp.company_id = ${caller.companyId}`,
  );
  return rows[0];
}

export interface RespondPlan {
  partnershipId: number;
  /** The caller's side. */
  sideId: number;
  to: Extract<PartnershipStatus, 'accepted' | 'declined'>;
  /** The inviting company, whose `partners.update` carries `inviterMeta`. */
  inviterId: number;
  inviterMeta: EventMeta | null;
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
  return {
    partnershipId: facts.partnership_id,
    sideId: id,
    to,
    inviterId: facts.company_id,
    // The inviting company is told of an acceptance: the user who invited, if any.
    inviterMeta:
      to === 'accepted'
        ? {
            reason: 'partnership_accepted',
            notifyUserIds: facts.invited_by_user_id ? [facts.invited_by_user_id] : [],
          }
        : null,
    apiKeyId: caller.keyId ?? null,
  };
}

/**
 * Moves the partnership from pending and records `partners.update` for both companies (the
 * inviting one first), each with its own side, in one statement. Returns the caller's side, or
 * undefined when the guard held (another answer, a withdrawal or the end came first).
 */
export async function write(db: Db, plan: RespondPlan): Promise<SideView | undefined> {
  const to = sql`${plan.to}::text`;
  const rows = await queryRows<{ side: SideView }>(
    db,
    sql`
    WITH moved AS (
      UPDATE partnerships SET status = ${to}, updated_at = now(),
        accepted_at = CASE WHEN ${to} = 'accepted' THEN now() ELSE accepted_at END,
        declined_at = CASE WHEN ${to} = 'declined' THEN now() ELSE declined_at END
      WHERE id = ${plan.partnershipId} AND status = 'pending'
      RETURNING *),
    sides AS (
      SELECT cp.id, cp.company_id, ${sideJson({ cp: 'cp', p: 'moved' })}::jsonb AS side
      FROM moved JOIN company_partnerships cp ON cp.partnership_id = moved.id),
    outbox AS (${outboxInsert(sql`
      SELECT s.company_id, 'partners.update', jsonb_build_object('partnership', ${payloadJson(sql`s.side`)}),
        ${plan.apiKeyId}::int, NULL::int,
        CASE WHEN s.company_id = ${plan.inviterId} THEN ${plan.inviterMeta && JSON.stringify(plan.inviterMeta)}::jsonb END
      FROM sides s ORDER BY s.company_id <> ${plan.inviterId}, s.id`)})
    SELECT side FROM sides WHERE id = ${plan.sideId}`,
  );
  return rows[0]?.side;
}
