import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import { ApiError, conflict } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import type { Db } from '../../db/database.js';
import { pgErrorCode } from '../../db/errors.js';
import { outboxInsert } from '../../db/outbox.js';
import { StatementCache } from '../../db/prepared.js';
import type { DealSideRole } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import { dealEvents, paymentEvents } from './deals.commands.js';
import { commissionTotal, insertDuePayments, moneyText } from './deals.money.js';
import { PAYMENT_COLUMNS, storedPayments } from './deals.payload.js';
import { type Actor, dealNotFound, ownerOnly } from './deals.payments.js';
import {
  type CommissionInput,
  type CommissionOut,
  DEAL_MESSAGES,
  type PutCommissionInput,
} from './deals.schemas.js';

// A deal's commission (B4/B5): GET /v1/deals/{id}/commission (both sides, one statement with the
// caller folded in) and PUT (the owner's admins, partnership deals only) as facts → rules →
// write. Amounts are computed by PostgreSQL (deal_commission_amount, numeric), never in JS.

// ---- the calculation's rules (pure; also the tier defaults') ----

/** A calculation as stored on a deal or a tier: every field explicit. */
export interface StoredCalculation {
  entries: {
    payment_stage_id: number;
    calculation: {
      type: 'oneOff' | 'recurring';
      option: 'fixed' | 'percentage';
      value: string;
      number_of_occurrences: number;
    };
  }[];
}

export interface CalculationContext {
  /** The owner's payment stages among those the entries name. */
  paymentStageIds: readonly number[];
  /** The currency's minor digits (a fixed value may have no more decimals); null: no currency yet. */
  minorDigits: number | null;
  currencyCode: string | null;
}

const decimals = (value: string) => value.split('.')[1]?.length ?? 0;

/**
 * Checks a calculation and returns it normalized (`type`, `number_of_occurrences` explicit, 1
 * for a one-off entry). Each entry's payment stage must be one of the owner's, named once; a
 * percentage is at most 100; a fixed amount has at most the currency's decimals. Problems are
 * added at `path` (`calculation`, `commission_calculation`); the caller throws them.
 */
export function checkCalculation(
  input: CommissionInput,
  ctx: CalculationContext,
  path: readonly PropertyKey[],
  problems: FieldProblems,
): StoredCalculation {
  const owned = new Set(ctx.paymentStageIds);
  const seen = new Set<number>();
  const entries = input.entries.map((entry, i) => {
    const at = [...path, 'entries', i];
    const { payment_stage_id: stageId, calculation: calc } = entry;
    if (!owned.has(stageId))
      problems.add([...at, 'payment_stage_id'], `no payment stage in your company with id ${stageId}`);
    else if (seen.has(stageId))
      problems.add([...at, 'payment_stage_id'], `payment stage ${stageId} already has an entry`);
    seen.add(stageId);
    if (calc.option === 'percentage' && Number(calc.value) > 100)
      problems.add([...at, 'calculation', 'value'], 'a percentage must be at most 100');
    if (calc.option === 'fixed' && ctx.minorDigits !== null && decimals(calc.value) > ctx.minorDigits) {
      problems.add(
        [...at, 'calculation', 'value'],
        ctx.minorDigits === 0
          ? `${ctx.currencyCode} amounts have no decimals`
          : `${ctx.currencyCode} amounts have at most ${ctx.minorDigits} decimals`,
      );
    }
    if (calc.type === 'oneOff' && (calc.number_of_occurrences ?? 1) !== 1)
      problems.add(
        [...at, 'calculation', 'number_of_occurrences'],
        'a oneOff entry has one occurrence: use type recurring for more',
      );
    return {
      payment_stage_id: stageId,
      calculation: {
        type: calc.type,
        option: calc.option,
        value: calc.value,
        number_of_occurrences: calc.type === 'recurring' ? (calc.number_of_occurrences ?? 1) : 1,
      },
    };
  });
  return { entries };
}

/** The payment stage ids a calculation names. */
export const namedStageIds = (calc: CommissionInput | null | undefined): number[] =>
  calc ? [...new Set(calc.entries.map((e) => e.payment_stage_id))] : [];

/** Which of `ids` are payment stages of the company `companyId` (an SQL expression), for facts. */
export const ownedPaymentStageIds = (companyId: SQL, ids: readonly number[]): SQL =>
  sql`(SELECT coalesce(array_agg(st.id), '{}') FROM stages st
    WHERE st.company_id = ${companyId} AND st.pipeline = 'payment'
      AND st.id = ANY(${sql.param([...ids])}::int[]))`;

// ---- the Commission object, in SQL ----

/**
 * The `Commission` response of the deal `d` (a relation with deals' columns): its entries with
 * their payment stages and amounts (per occurrence and in all), the total, the currency code.
 */
function commissionJson(d: SQL): SQL {
  const minor = sql`(SELECT minor_digits FROM currencies WHERE code = ${d}.currency_code)`;
  return sql`jsonb_build_object(
    'calculation', CASE WHEN ${d}.commission_calculation IS NULL THEN NULL ELSE jsonb_build_object('entries',
      (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'payment_stage_id', (x.e ->> 'payment_stage_id')::int,
          'payment_stage_uuid', st.uuid, 'payment_stage_label', st.label,
          -- Spelled out (not the stored object): a calculation copied from a tier is shown as
          -- PUT would store it, whatever the copy left implicit.
          'calculation', jsonb_build_object(
            'type', coalesce(x.e -> 'calculation' ->> 'type', 'oneOff'),
            'option', x.e -> 'calculation' ->> 'option',
            'value', x.e -> 'calculation' ->> 'value',
            'number_of_occurrences', deal_commission_occurrences(x.e)),
          'amount_per_occurrence', ${moneyText(sql`deal_commission_amount(x.e, ${d}.deal_value, ${minor})`, sql`${d}.currency_code`)},
          'amount', ${moneyText(
            sql`deal_commission_amount(x.e, ${d}.deal_value, ${minor}) * deal_commission_occurrences(x.e)`,
            sql`${d}.currency_code`,
          )}) ORDER BY x.o), '[]'::jsonb)
        FROM jsonb_array_elements(coalesce(${d}.commission_calculation -> 'entries', '[]'::jsonb))
          WITH ORDINALITY AS x(e, o)
        LEFT JOIN stages st ON st.id = (x.e ->> 'payment_stage_id')::int)) END,
    'total_commission_value', ${moneyText(sql`${d}.total_commission_value`, sql`${d}.currency_code`)},
    'currency_code', ${d}.currency_code)`;
}

// ---- GET /v1/deals/{id}/commission ----

const ph = sql.placeholder;
const ONE: SQL = sql`SELECT ${commissionJson(sql`d`)} AS commission
  FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
  WHERE s.deal_id = ${ph('dealId')} AND s.company_id = c.company_id`;

const statements = new StatementCache(1);

export async function readCommission(
  db: Db,
  caller: CallerSource,
  dealId: number,
): Promise<Pick<CallerRead<never>, 'found'> & { commission: CommissionOut | null }> {
  const { found, rows } = await readAsCaller<{ commission: CommissionOut | null }>(
    db,
    statements,
    'deal_commission_one',
    caller,
    () => ({ body: ONE }),
    { dealId },
  );
  return { found, commission: rows[0]?.commission ?? null };
}

// ---- PUT /v1/deals/{id}/commission: facts ----

export interface CommissionFacts {
  /** The caller's side of the live deal, with what the rules need; null: 404. */
  deal: {
    id: number;
    role: DealSideRole;
    partnership_id: number | null;
    currency_code: string;
    minor_digits: number;
  } | null;
  /** The owner's payment stages among those the body names. */
  paymentStageIds: number[];
}

export async function facts(
  db: Db,
  actor: Actor,
  dealId: number,
  input: PutCommissionInput,
): Promise<CommissionFacts> {
  const [row] = await queryRows<CommissionFacts>(
    db,
    sql`SELECT CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object('id', d.id, 'role', s.role,
        'partnership_id', d.partnership_id, 'currency_code', d.currency_code,
        'minor_digits', cu.minor_digits) END AS deal,
      ${ownedPaymentStageIds(sql`d.company_id`, namedStageIds(input.calculation))} AS "paymentStageIds"
    FROM (SELECT 1) one
    LEFT JOIN deal_sides s ON s.deal_id = ${dealId} AND s.company_id = ${actor.companyId}
    LEFT JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    LEFT JOIN currencies cu ON cu.code = d.currency_code`,
  );
  return row!;
}

// ---- rules ----

export interface CommissionPlan {
  actor: Actor;
  dealId: number;
  /** null: the deal has no commission any more. */
  calculation: StoredCalculation | null;
}

/** 404 unseen, 403 for the partner, 409 without a partnership, then one 400 for every bad entry. */
export function rules(f: CommissionFacts, actor: Actor, input: PutCommissionInput): CommissionPlan {
  if (!f.deal) throw dealNotFound();
  if (f.deal.role !== 'owner') throw ownerOnly();
  if (f.deal.partnership_id === null) throw conflict(DEAL_MESSAGES.noPartnership);
  if (input.calculation === null) return { actor, dealId: f.deal.id, calculation: null };
  const problems = new FieldProblems();
  const calculation = checkCalculation(
    input.calculation,
    {
      paymentStageIds: f.paymentStageIds,
      minorDigits: f.deal.minor_digits,
      currencyCode: f.deal.currency_code,
    },
    ['calculation'],
    problems,
  );
  problems.throwIfAny();
  return { actor, dealId: f.deal.id, calculation };
}

// ---- write ----

export const TOO_LARGE = 'makes a commission of more than 15 digits before the decimal point';

/**
 * One statement: the calculation and its total (deal_commission_total, in the deal's currency),
 * the payments now due when the deal already is in a payment stage a new entry names, and the
 * events: `deals.update` and one `payments.create` per new payment, to each side. The deal
 * must still be the caller's live partnership deal (else the same 404).
 */
export async function write(db: Db, plan: CommissionPlan): Promise<CommissionOut> {
  const calc = plan.calculation === null ? null : JSON.stringify(plan.calculation);
  const { actor } = plan;
  const [row] = await queryRows<{ commission: CommissionOut }>(
    db,
    sql`WITH d AS (
        UPDATE deals SET commission_calculation = ${calc}::jsonb,
          total_commission_value = ${commissionTotal(sql`${calc}::jsonb`, sql`deal_value`, sql`currency_code`)},
          updated_at = now()
        WHERE id = ${plan.dealId} AND company_id = ${actor.companyId} AND deleted_at IS NULL
          AND partnership_id IS NOT NULL
        RETURNING *),
      pay AS (${insertDuePayments(sql`d`)}),
      outbox AS (${outboxInsert(
        sql`${dealEvents({
          deals: sql`d`,
          sides: sql`deal_sides`,
          id: plan.dealId,
          type: 'deals.update',
          caller: actor,
          // The payments as they are after this statement: the snapshot does not see the new ones.
          sources: { payments: sql`(${storedPayments} UNION ALL SELECT ${PAYMENT_COLUMNS} FROM pay)` },
        })} UNION ALL ${paymentEvents(sql`pay`, sql`d`, sql`deal_sides`, actor)}`,
      )})
      SELECT ${commissionJson(sql`d`)} AS commission FROM d`,
  ).catch((err: unknown) => {
    // numeric(19,4): a total (or a payment) past 15 digits before the point does not fit.
    if (pgErrorCode(err) !== '22003') throw err;
    const problems = new FieldProblems();
    problems.add(['calculation'], TOO_LARGE);
    throw problems.toError();
  });
  if (!row) throw new ApiError('not_found', DEAL_MESSAGES.notFound);
  return row.commission;
}

// ---- a tier's default commission (POST / PATCH /v1/tiers) ----

/**
 * A tier's `commission_calculation`, checked against the company's payment stages (no currency:
 * the deals that copy it round to theirs) and normalized; a 400 naming the entry otherwise.
 * One statement (the stages the entries name).
 */
export async function tierCalculation(
  db: Db,
  companyId: number,
  input: CommissionInput,
): Promise<StoredCalculation> {
  const [row] = await queryRows<{ ids: number[] }>(
    db,
    sql`SELECT ${ownedPaymentStageIds(sql`${companyId}::int`, namedStageIds(input))} AS ids`,
  );
  const problems = new FieldProblems();
  const out = checkCalculation(
    input,
    { paymentStageIds: row?.ids ?? [], minorDigits: null, currencyCode: null },
    ['commission_calculation'],
    problems,
  );
  problems.throwIfAny();
  return out;
}
