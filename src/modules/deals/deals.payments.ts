import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext, CallerSource } from '../../core/auth-context.js';
import { ApiError, conflict } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import { StatementCache } from '../../db/prepared.js';
import type { DealSideRole } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import type { EventMeta, EventType } from '../events/index.js';
import { paymentJson } from './deals.payload.js';
import { DEAL_MESSAGES, type PaymentOut, type UpdatePaymentInput } from './deals.schemas.js';

// A deal's payments (B3): GET /v1/deals/{id}/payments (both sides; one statement with the
// caller folded in) and PATCH /v1/deals/{id}/payments/{paymentId} (the owner's admins:
// approve / reject, processing, completed) as facts → rules → write. A completed payment is
// final: it cannot be un-completed, rejected or un-approved (409).

export type Actor = Pick<AuthContext, 'companyId' | 'keyId' | 'userId'>;

export const dealNotFound = () => new ApiError('not_found', DEAL_MESSAGES.notFound);
export const paymentNotFound = () => new ApiError('not_found', DEAL_MESSAGES.paymentNotFound);
export const ownerOnly = () => new ApiError('forbidden', DEAL_MESSAGES.ownerOnly);

export const PAYMENT_MESSAGES = {
  uncomplete: 'A completed payment cannot be un-completed',
  reject: 'A completed payment cannot be rejected or un-approved',
  completeRejected: 'A rejected payment cannot be completed: approve it first',
  changed: 'The payment changed during the update; try again',
} as const;

/**
 * Rows for `outboxInsert`: `type` of each payment in `payments` (a relation with deal_payments'
 * columns) to every side of its deal (`deal`: `id, uuid, label`), `{payment, deal: {uuid, label}}`
 * as `paymentEvents` (deals.commands.ts) writes `payments.create`: the caller's side carries the
 * caller's key and user.
 */
export function paymentsOutbox(
  type: Extract<EventType, 'payments.create' | 'payments.update'>,
  payments: SQL,
  deal: SQL,
  actor: Actor,
  meta: EventMeta | null = null,
): SQL {
  const mine = sql`s.company_id = ${actor.companyId}::int`;
  return outboxInsert(sql`SELECT s.company_id, ${type}::text,
      json_build_object('payment', ${paymentJson()},
        'deal', json_build_object('uuid', d.uuid, 'label', d.label))::jsonb,
      CASE WHEN ${mine} THEN ${actor.keyId}::int END, CASE WHEN ${mine} THEN ${actor.userId}::int END,
      ${meta === null ? null : JSON.stringify(meta)}::jsonb
    FROM ${payments} pay JOIN ${deal} d ON d.id = pay.deal_id JOIN deal_sides s ON s.deal_id = d.id
    ORDER BY s.role`);
}

/** What pg gives back of paymentJson: the API's Payment with its timestamps as text. */
export type PaymentJson = Omit<
  PaymentOut,
  'payment_processing_date' | 'payment_completed_date' | 'created_at' | 'updated_at'
> &
  Record<'payment_processing_date' | 'payment_completed_date', string | null> &
  Record<'created_at' | 'updated_at', string>;

const maybeDate = (s: string | null) => (s === null ? null : new Date(s));

export const toPayment = (p: PaymentJson): PaymentOut => ({
  ...p,
  payment_processing_date: maybeDate(p.payment_processing_date),
  payment_completed_date: maybeDate(p.payment_completed_date),
  created_at: new Date(p.created_at),
  updated_at: new Date(p.updated_at),
});

// ---- GET /v1/deals/{id}/payments ----

const ph = sql.placeholder;
const LIST: SQL = sql`SELECT t.deal_uuid,
    (SELECT coalesce(json_agg(${paymentJson(sql`p`)} ORDER BY p.payment_date, p.id), '[]')
      FROM deal_payments p JOIN deals d ON d.id = p.deal_id
      WHERE p.deal_id = ${ph('dealId')} AND t.deal_uuid IS NOT NULL) AS payments
  FROM (SELECT (SELECT d.uuid FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    WHERE s.deal_id = ${ph('dealId')} AND s.company_id = c.company_id) AS deal_uuid) t`;

const statements = new StatementCache(2);

/** The deal's payments, by payment date then id; dealVisible false when the caller sees no such deal. */
export async function listPayments(
  db: Db,
  caller: CallerSource,
  dealId: number,
): Promise<Pick<CallerRead<never>, 'found'> & { dealVisible: boolean; payments: PaymentOut[] }> {
  const { found, rows } = await readAsCaller<{ deal_uuid: string | null; payments: PaymentJson[] | null }>(
    db,
    statements,
    'deal_payments_list',
    caller,
    () => ({ body: LIST }),
    { dealId },
  );
  const row = rows[0];
  return {
    found,
    dealVisible: Boolean(row?.deal_uuid),
    payments: (row?.payments ?? []).map(toPayment),
  };
}

// ---- PATCH /v1/deals/{id}/payments/{paymentId}: facts ----

export interface PaymentFacts {
  /** The caller's side of the live deal; null: 404. */
  deal: { id: number; uuid: string; label: string; role: DealSideRole } | null;
  /** The deal's payment with this id; null: 404. */
  payment: PaymentJson | null;
}

export async function facts(db: Db, actor: Actor, dealId: number, paymentId: number): Promise<PaymentFacts> {
  const [row] = await queryRows<PaymentFacts>(
    db,
    sql`SELECT CASE WHEN d.id IS NULL THEN NULL
        ELSE json_build_object('id', d.id, 'uuid', d.uuid, 'label', d.label, 'role', s.role) END AS deal,
      CASE WHEN p.id IS NULL THEN NULL ELSE ${paymentJson(sql`p`)} END AS payment
    FROM (SELECT 1) one
    LEFT JOIN deal_sides s ON s.deal_id = ${dealId} AND s.company_id = ${actor.companyId}
    LEFT JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    LEFT JOIN deal_payments p ON p.id = ${paymentId} AND p.deal_id = d.id`,
  );
  return row!;
}

// ---- rules ----

/** The state a PATCH moves a payment to: only the fields that change. */
export interface PaymentChanges {
  approved?: boolean | null;
  payment_processing?: boolean;
  /** Only ever true: completing (a completed payment stays completed). */
  payment_completed?: true;
}

export type PaymentPlan =
  | { unchanged: PaymentOut }
  | {
      actor: Actor;
      dealId: number;
      paymentId: number;
      /** The state the facts saw: the write changes the payment only while it still is so. */
      expected: { approved: boolean | null; payment_completed: boolean };
      changes: PaymentChanges;
      completing: boolean;
    };

/**
 * 404 for a deal the caller does not see, 403 for the partner, 404 for a payment not on the
 * deal; then the transitions: completing approves a payment not yet reviewed; a completed
 * payment cannot be un-completed or rejected, nor a rejected one completed (409).
 */
export function rules(f: PaymentFacts, actor: Actor, input: UpdatePaymentInput): PaymentPlan {
  if (!f.deal) throw dealNotFound();
  if (f.deal.role !== 'owner') throw ownerOnly();
  const p = f.payment;
  if (!p) throw paymentNotFound();
  if (p.payment_completed) {
    if (input.payment_completed === false) throw conflict(PAYMENT_MESSAGES.uncomplete);
    if (input.approved === false || input.approved === null) throw conflict(PAYMENT_MESSAGES.reject);
  }
  const completing = input.payment_completed === true && !p.payment_completed;
  let approved = input.approved === undefined ? p.approved : input.approved;
  if (completing) {
    if (approved === false) throw conflict(PAYMENT_MESSAGES.completeRejected);
    approved = true;
  }
  const changes: PaymentChanges = {};
  if (approved !== p.approved) changes.approved = approved;
  if (input.payment_processing !== undefined && input.payment_processing !== p.payment_processing)
    changes.payment_processing = input.payment_processing;
  if (completing) changes.payment_completed = true;
  if (Object.keys(changes).length === 0) return { unchanged: toPayment(p) };
  return {
    actor,
    dealId: f.deal.id,
    paymentId: p.id,
    expected: { approved: p.approved, payment_completed: p.payment_completed },
    changes,
    completing,
  };
}

// ---- write ----

/**
 * One statement: the payment's new state (guarded by the state the rules saw: a concurrent
 * change is a 409, never a transition the rules did not allow) and `payments.update` to both
 * sides, with `meta.reason: 'payment_completed'` when it completes (the partner is notified).
 */
export async function write(db: Db, plan: PaymentPlan): Promise<PaymentOut> {
  if ('unchanged' in plan) return plan.unchanged;
  const { changes, actor } = plan;
  const set: SQL[] = [sql`updated_at = now()`];
  if (changes.approved !== undefined) {
    set.push(sql`approved = ${changes.approved}::boolean`);
    set.push(
      changes.approved === null
        ? sql`approved_at = NULL, approved_by_user_id = NULL`
        : sql`approved_at = now(), approved_by_user_id = ${actor.userId}::int`,
    );
  }
  if (changes.payment_processing !== undefined) {
    set.push(sql`payment_processing = ${changes.payment_processing}::boolean`);
    set.push(sql`payment_processing_date = ${changes.payment_processing ? sql`now()` : sql`NULL`}`);
  }
  if (changes.payment_completed) set.push(sql`payment_completed = true, payment_completed_date = now()`);
  const meta: EventMeta | null = plan.completing ? { reason: 'payment_completed' } : null;
  const [row] = await queryRows<{ payment: PaymentJson }>(
    db,
    sql`WITH d AS (SELECT d.id, d.uuid, d.label FROM deals d
        WHERE d.id = ${plan.dealId} AND d.company_id = ${actor.companyId} AND d.deleted_at IS NULL),
      p AS (UPDATE deal_payments SET ${sql.join(set, sql`, `)}
        WHERE id = ${plan.paymentId} AND deal_id = (SELECT id FROM d) AND company_id = ${actor.companyId}
          AND approved IS NOT DISTINCT FROM ${plan.expected.approved}::boolean
          AND payment_completed = ${plan.expected.payment_completed}::boolean
        RETURNING *),
      outbox AS (${paymentsOutbox('payments.update', sql`p`, sql`d`, actor, meta)})
      SELECT ${paymentJson(sql`p`)} AS payment FROM p JOIN d ON d.id = p.deal_id`,
  );
  if (!row) throw conflict(PAYMENT_MESSAGES.changed);
  return toPayment(row.payment);
}
