import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import { type FieldProblems, idProblems } from '../../core/field-problems.js';
import type { EventType } from '../events/index.js';
import {
  type DealPayloadSources,
  dealPayloadJson,
  dealRowsFrom,
  PAYMENT_COLUMNS,
  paymentJson,
} from './deals.payload.js';
import { DEAL_MESSAGES } from './deals.schemas.js';

// Shared by the lead and deal commands: one definition each, in core/ and db/.
export { type IdCheck, idProblems } from '../../core/field-problems.js';
export { foundIds, unnestIds } from '../../db/statement.js';

// What the deal commands (deals.create.ts, deals.update.ts, deals.delete.ts) share: the caller,
// the checks of their rules, the SQL pieces of their facts and writes.

export type Caller = Pick<AuthContext, 'companyId' | 'userId' | 'keyId'>;
type Path = readonly PropertyKey[];

export const dealNotFound = () => new ApiError('not_found', DEAL_MESSAGES.notFound);
export const ownerOnly = () => new ApiError('forbidden', DEAL_MESSAGES.ownerOnly);

// ---- facts ----

/** `[{id, uuid}]` of the rows of `table` matching `where` whose uuid is among `uuids`: json. */
export function foundUuids(table: SQL, where: SQL, uuids: readonly string[]): SQL {
  if (uuids.length === 0) return sql`'[]'::json`;
  return sql`(SELECT coalesce(json_agg(json_build_object('id', id, 'uuid', uuid)), '[]') FROM ${table}
    WHERE ${where} AND uuid = ANY(${sql.param([...uuids])}::uuid[]))`;
}

/** A stage (deal or payment pipeline) as the facts read it. */
export interface StageFact {
  id: number;
  uuid: string;
  label: string;
  phase: string;
}

/** `(json of the caller's stage of `pipeline` named by id or uuid)`, or NULL. */
export function stageFact(
  company: number,
  pipeline: 'lead_deal' | 'payment',
  id?: number | null,
  uuid?: string | null,
) {
  if ((id ?? null) === null && (uuid ?? null) === null) return sql`NULL::json`;
  const where = id != null ? sql`id = ${id}::int` : sql`uuid = ${uuid}::uuid`;
  return sql`(SELECT json_build_object('id', id, 'uuid', uuid, 'label', label, 'phase', phase) FROM stages
    WHERE company_id = ${company} AND pipeline = ${pipeline} AND ${where})`;
}

/** A currency as the facts read it. */
export interface CurrencyFact {
  code: string;
  uuid: string;
  minor_digits: number;
}

export const currencyFact = (where: SQL) =>
  sql`(SELECT json_build_object('code', code, 'uuid', uuid, 'minor_digits', minor_digits) FROM currencies WHERE ${where})`;

// ---- rules ----

/** The ids of `byId` and `byUuid` (each checked against what the facts found), once each, in order. */
export function tagIdsOf(
  problems: FieldProblems,
  input: { tags?: number[] | undefined; tag_uuids?: string[] | undefined },
  found: { ids: number[]; uuids: { id: number; uuid: string }[] },
): number[] | undefined {
  if (input.tags === undefined && input.tag_uuids === undefined) return undefined;
  idProblems(problems, {
    found: found.ids,
    ids: input.tags,
    at: (i) => ['tags', i],
    what: 'no deal tag in your company with id',
  });
  const byUuid = new Map(found.uuids.map((t) => [t.uuid.toLowerCase(), t.id]));
  const ids = [...(input.tags ?? [])];
  (input.tag_uuids ?? []).forEach((uuid, i) => {
    const id = byUuid.get(uuid.toLowerCase());
    if (id === undefined) problems.add(['tag_uuids', i], `no deal tag in your company with uuid ${uuid}`);
    else ids.push(id);
  });
  return [...new Set(ids)];
}

/** The stage the body names by id and/or uuid (null: none named), or a problem at its field. */
export function namedStage(
  problems: FieldProblems,
  found: StageFact | null,
  input: { id?: number | null | undefined; uuid?: string | null | undefined },
  fields: { id: string; uuid: string; what: string },
): StageFact | null | undefined {
  const { id, uuid } = input;
  if (id === undefined && uuid === undefined) return undefined;
  if (id === null || uuid === null) {
    if ((id ?? null) !== null || (uuid ?? null) !== null)
      problems.add([fields.id], `cannot be combined with a null ${fields.uuid}`);
    return null;
  }
  if (!found) {
    if (id !== undefined) problems.add([fields.id], `no ${fields.what} in your company with id ${id}`);
    else problems.add([fields.uuid], `no ${fields.what} in your company with uuid ${uuid}`);
    return undefined;
  }
  if (id !== undefined && uuid !== undefined && found.uuid.toLowerCase() !== uuid.toLowerCase())
    problems.add([fields.uuid], `is not the uuid of ${fields.what} ${id}`);
  return found;
}

/** The currency the body names (code and/or uuid), else the default; undefined after a problem. */
export function namedCurrency(
  problems: FieldProblems,
  facts: { byCode: CurrencyFact | null; byUuid: CurrencyFact | null; fallback: CurrencyFact | null },
  input: { currency_code?: string | undefined; currency_uuid?: string | undefined },
): CurrencyFact | undefined {
  const { currency_code: code, currency_uuid: uuid } = input;
  if (code !== undefined && !facts.byCode) problems.add(['currency_code'], `no currency with code ${code}`);
  if (uuid !== undefined && !facts.byUuid) problems.add(['currency_uuid'], `no currency with uuid ${uuid}`);
  if (code !== undefined && uuid !== undefined && facts.byCode && facts.byUuid) {
    if (facts.byCode.code !== facts.byUuid.code)
      problems.add(['currency_uuid'], `is currency ${facts.byUuid.code}, not ${code}`);
  }
  if (code !== undefined) return facts.byCode ?? undefined;
  if (uuid !== undefined) return facts.byUuid ?? undefined;
  return facts.fallback ?? undefined;
}

/** Digits after the point of a canonical money string, trailing zeros aside ("10.50" → 1). */
export function decimalsOf(amount: string): number {
  const [, fraction = ''] = amount.split('.');
  return fraction.replace(/0+$/, '').length;
}

/** A money amount must fit its currency's minor unit: "USD amounts have at most 2 decimals". */
export function moneyProblem(
  problems: FieldProblems,
  at: Path,
  amount: string,
  currency: CurrencyFact,
): void {
  if (decimalsOf(amount) <= currency.minor_digits) return;
  problems.add(
    at,
    currency.minor_digits === 0
      ? `${currency.code} amounts have no decimals`
      : `${currency.code} amounts have at most ${currency.minor_digits} decimals`,
  );
}

// ---- write ----

/** No rows, for a payload list the deal does not have. */
export const NO_PAYMENTS = sql`(SELECT ${PAYMENT_COLUMNS} FROM deal_payments WHERE false)`;

export interface DealEvents {
  /** The deal rows (a CTE's name or `deals`) and the sides (a CTE or `deal_sides`). */
  deals: SQL;
  sides: SQL;
  /** Only this deal's events (default: every deal of `deals`). */
  id?: number | undefined;
  type: EventType;
  caller: Caller;
  /** Each side's internal `EventMeta` (json, may use `d` and `s`), or none. */
  meta?: SQL | undefined;
  sources: DealPayloadSources;
}

/**
 * Rows for `outboxInsert`: the event of the deal to each of its sides' companies, `{deal}` as
 * payload. The caller's side carries the caller's key and user; the other side's is the partner's.
 */
export function dealEvents(e: DealEvents): SQL {
  const mine = sql`s.company_id = ${e.caller.companyId}::int`;
  // Parenthesized with its order, so the outbox holds the owner's event first (UNION ALL keeps it).
  return sql`(SELECT s.company_id, ${e.type}::text,
      json_build_object('deal', ${dealPayloadJson(e.sources)})::jsonb,
      CASE WHEN ${mine} THEN ${e.caller.keyId}::int END,
      CASE WHEN ${mine} THEN ${e.caller.userId}::int END,
      (${e.meta ?? sql`NULL`})::jsonb
    FROM ${dealRowsFrom(e.deals, e.sides)}
    ${e.id === undefined ? sql`` : sql`WHERE d.id = ${e.id}::int`}
    ORDER BY d.id, s.role)`;
}

/**
 * Rows for `outboxInsert`: `payments.create` of each payment in `payments` (rows of
 * `insertDuePayments`), to every side of its deal: `{payment, deal: {uuid, label}}`.
 */
export function paymentEvents(payments: SQL, deals: SQL, sides: SQL, caller: Caller): SQL {
  const mine = sql`s.company_id = ${caller.companyId}::int`;
  return sql`(SELECT s.company_id, 'payments.create'::text,
      json_build_object('payment', ${paymentJson()}, 'deal', json_build_object('uuid', d.uuid, 'label', d.label))::jsonb,
      CASE WHEN ${mine} THEN ${caller.keyId}::int END,
      CASE WHEN ${mine} THEN ${caller.userId}::int END,
      NULL::jsonb
    FROM ${payments} pay JOIN ${deals} d ON d.id = pay.deal_id JOIN ${sides} s ON s.deal_id = d.id
    ORDER BY pay.payment_stage_id, pay.occurrence, s.role)`;
}

/**
 * The partner side's notice (`EventMeta`, json) of a deal on a lead that side sent over the
 * deal's partnership: to the users assigned to its lead and the user who sent it (the relay
 * falls back to its admins). NULL for the owner's side and for a lead the partner did not send.
 */
export function partnerNotice(reason: 'deal_created' | 'deal_stage_changed', extra: SQL = sql``): SQL {
  const sent = sql`partnership_leads pl WHERE pl.partnership_id = d.partnership_id AND pl.sender_lead_id = s.lead_id`;
  return sql`CASE WHEN s.role = 'partner' AND EXISTS (SELECT 1 FROM ${sent}) THEN
      json_build_object('reason', ${reason}::text ${extra}, 'notifyUserIds', (
        SELECT coalesce(json_agg(DISTINCT x.user_id), '[]') FROM (
          SELECT user_id FROM lead_users WHERE lead_id = s.lead_id
          UNION SELECT pl.sent_by_user_id FROM ${sent} AND pl.sent_by_user_id IS NOT NULL) x))
    END`;
}
