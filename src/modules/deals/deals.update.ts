import { type SQL, sql } from 'drizzle-orm';
import { FieldProblems } from '../../core/field-problems.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { DealSideRole, PartnerType } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import {
  type CheckedValues,
  type CustomFieldFacts,
  checkCustomFieldInput,
  customFieldFacts,
  customFieldValuesWrite,
} from '../custom-field-values/index.js';
import {
  type Caller,
  type CurrencyFact,
  currencyFact,
  dealEvents,
  dealNotFound,
  foundIds,
  foundUuids,
  idProblems,
  moneyProblem,
  namedCurrency,
  namedStage,
  ownerOnly,
  partnerNotice,
  paymentEvents,
  type StageFact,
  stageFact,
  tagIdsOf,
  unnestIds,
} from './deals.commands.js';
import { commissionTotal, insertDuePayments } from './deals.money.js';
import { PAYMENT_COLUMNS, storedPayments } from './deals.payload.js';
import type { UpdateDealInput } from './deals.schemas.js';

// PATCH /v1/deals/{id} as `facts → rules → write`: only what is sent changes. The shared facts
// (label, value, currency, expiration date, payment stage) are the owner's; each side changes
// its own stage, tags, assigned users (replaced: only its own company's rows) and custom values
// (upserted). A new value or currency recomputes the total commission in the write; entering a
// payment stage the calculation names makes its payments.

/** The fields only the owner may change. */
export const OWNER_FIELDS = [
  'label',
  'deal_label',
  'deal_value',
  'currency_code',
  'currency_uuid',
  'expiration_date',
  'payment_stage_id',
  'payment_stage_uuid',
] as const satisfies readonly (keyof UpdateDealInput)[];

// ---- facts ----

export interface UpdateFacts {
  /** The caller's side of the live deal; null: 404. */
  deal: {
    id: number;
    role: DealSideRole;
    stage_id: number | null;
    deal_value: string;
    partner_type: PartnerType | null;
    currency: CurrencyFact;
  } | null;
  byCode: CurrencyFact | null;
  byUuid: CurrencyFact | null;
  stage: StageFact | null;
  paymentStage: StageFact | null;
  tagIds: number[];
  tagUuids: { id: number; uuid: string }[];
  userIds: number[];
  fields: CustomFieldFacts | null;
}

export async function facts(
  db: Db,
  caller: Caller,
  id: number,
  input: UpdateDealInput,
): Promise<UpdateFacts> {
  const company = caller.companyId;
  const fields = input.customFields
    ? customFieldFacts({
        companyId: company,
        category: 'lead_deal',
        partnerType: sql`p.partner_type`,
        ids: input.customFields.map((v) => v.customFieldId),
        entityId: id,
      })
    : sql`NULL::json`;
  const tags = sql`company_id = ${company} AND association = 'lead_deal'`;
  const [row] = await queryRows<UpdateFacts>(
    db,
    sql`
    SELECT
      CASE WHEN d.id IS NOT NULL THEN json_build_object('id', d.id, 'role', s.role, 'stage_id', s.stage_id,
        'deal_value', d.deal_value::text, 'partner_type', p.partner_type,
        'currency', ${currencyFact(sql`code = d.currency_code`)}) END AS deal,
      ${input.currency_code !== undefined ? currencyFact(sql`code = ${input.currency_code}`) : sql`NULL::json`} AS "byCode",
      ${input.currency_uuid !== undefined ? currencyFact(sql`uuid = ${input.currency_uuid}::uuid`) : sql`NULL::json`} AS "byUuid",
      ${stageFact(company, 'lead_deal', input.stage_id, input.stage_uuid)} AS stage,
      ${stageFact(company, 'payment', input.payment_stage_id, input.payment_stage_uuid)} AS "paymentStage",
      ${foundIds(sql`tags`, tags, input.tags ?? [])} AS "tagIds",
      ${foundUuids(sql`tags`, tags, input.tag_uuids ?? [])} AS "tagUuids",
      ${foundIds(sql`users`, sql`company_id = ${company} AND disabled_at IS NULL`, input.assignedUsers ?? [])} AS "userIds",
      ${fields} AS fields
    FROM (SELECT 1) AS one
    LEFT JOIN deal_sides s ON s.deal_id = ${id}::int AND s.company_id = ${company}
    LEFT JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    LEFT JOIN partnerships p ON p.id = d.partnership_id`,
  );
  return row!;
}

// ---- rules ----

export interface UpdatePlan {
  caller: Caller;
  id: number;
  /** The shared columns the owner sets (absent ones stay). */
  columns: {
    label?: string;
    deal_value?: string;
    currency_code?: string;
    expiration_date?: string | null;
    payment_stage_id?: number | null;
  };
  /** The caller's side's new stage, when it changes; its label for the partner's notice. */
  stage: { id: number; label: string } | undefined;
  /** Replacements of the caller's company's rows, when sent. */
  tagIds: number[] | undefined;
  userIds: number[] | undefined;
  fields: CheckedValues | undefined;
  /** The owner moved its stage: the partner side hears of it (a lead it sent). */
  notifyPartner: boolean;
}

/** 404 for a deal the caller has no side of; 403 for the partner's shared fields; then one 400. */
export function rules(facts: UpdateFacts, caller: Caller, id: number, input: UpdateDealInput): UpdatePlan {
  const { deal } = facts;
  if (!deal) throw dealNotFound();
  if (deal.role !== 'owner' && OWNER_FIELDS.some((f) => input[f] !== undefined)) throw ownerOnly();
  const problems = new FieldProblems();
  const sendsCurrency = input.currency_code !== undefined || input.currency_uuid !== undefined;
  const currency = sendsCurrency
    ? namedCurrency(problems, { ...facts, fallback: null }, input)
    : deal.currency;
  if (currency) {
    if (input.deal_value !== undefined) moneyProblem(problems, ['deal_value'], input.deal_value, currency);
    else if (sendsCurrency)
      moneyProblem(
        problems,
        [input.currency_code !== undefined ? 'currency_code' : 'currency_uuid'],
        deal.deal_value,
        currency,
      );
  }
  const stage = namedStage(
    problems,
    facts.stage,
    { id: input.stage_id, uuid: input.stage_uuid },
    { id: 'stage_id', uuid: 'stage_uuid', what: 'deal stage' },
  );
  const paymentStage = namedStage(
    problems,
    facts.paymentStage,
    { id: input.payment_stage_id, uuid: input.payment_stage_uuid },
    { id: 'payment_stage_id', uuid: 'payment_stage_uuid', what: 'payment stage' },
  );
  const tagIds = tagIdsOf(problems, input, { ids: facts.tagIds, uuids: facts.tagUuids });
  idProblems(problems, {
    found: facts.userIds,
    ids: input.assignedUsers,
    at: (i) => ['assignedUsers', i],
    what: 'no active user in your company with id',
  });
  const fields =
    input.customFields &&
    checkCustomFieldInput(
      facts.fields ?? { definitions: [], required: [] },
      { category: 'lead_deal', partnerType: deal.partner_type },
      input.customFields,
      { path: ['customFields'], problems },
    );
  problems.throwIfAny();

  const columns: UpdatePlan['columns'] = {};
  const label = input.label ?? input.deal_label;
  if (label !== undefined) columns.label = label;
  if (input.deal_value !== undefined) columns.deal_value = input.deal_value;
  if (sendsCurrency && currency) columns.currency_code = currency.code;
  if (input.expiration_date !== undefined) columns.expiration_date = input.expiration_date;
  if (paymentStage !== undefined) columns.payment_stage_id = paymentStage?.id ?? null;
  const moved = stage && stage.id !== deal.stage_id ? { id: stage.id, label: stage.label } : undefined;
  return {
    caller,
    id,
    columns,
    stage: stage ? { id: stage.id, label: stage.label } : undefined,
    tagIds,
    userIds: input.assignedUsers,
    fields,
    notifyPartner: deal.role === 'owner' && moved !== undefined,
  };
}

// ---- write ----

const COLUMN_TYPES = {
  label: 'text',
  deal_value: 'numeric',
  currency_code: 'text',
  expiration_date: 'date',
  payment_stage_id: 'int',
} as const;

/**
 * One statement: the deal's shared columns (and its total commission, when the value or the
 * currency changes), the caller's side's stage, its tags and users (only its company's rows),
 * its values, the payments due at a new payment stage, `deals.update` to both sides and
 * `payments.create`. Everything hangs off the updated deal row: a deal deleted meanwhile
 * changes nothing and is the same 404.
 */
export async function write(db: Db, plan: UpdatePlan) {
  const { id, caller, columns } = plan;
  const company = caller.companyId;
  const set = (Object.keys(COLUMN_TYPES) as (keyof typeof COLUMN_TYPES)[])
    .filter((c) => columns[c] !== undefined)
    .map((c) => sql`${sql.identifier(c)} = ${columns[c]}::${sql.raw(COLUMN_TYPES[c])}`);
  if (columns.deal_value !== undefined || columns.currency_code !== undefined) {
    const value = columns.deal_value !== undefined ? sql`${columns.deal_value}::numeric` : sql`deal_value`;
    const code =
      columns.currency_code !== undefined ? sql`${columns.currency_code}::text` : sql`currency_code`;
    set.push(sql`total_commission_value = ${commissionTotal(sql`commission_calculation`, value, code)}`);
  }
  const dealId = sql`(SELECT id FROM deal)`;
  const ctes: SQL[] = [
    sql`deal AS (
      UPDATE deals SET ${sql.join([...set, sql`updated_at = now()`], sql`, `)}
      WHERE id = ${id}::int AND deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM deal_sides WHERE deal_id = ${id}::int AND company_id = ${company}::int)
      RETURNING *)`,
  ];
  let sides = sql`deal_sides`;
  if (plan.stage) {
    ctes.push(
      sql`side AS (UPDATE deal_sides SET stage_id = ${plan.stage.id}::int, updated_at = now()
        WHERE deal_id = ${dealId} AND company_id = ${company}::int RETURNING *)`,
      sql`sides AS (SELECT * FROM side UNION ALL
        SELECT * FROM deal_sides WHERE deal_id = ${dealId} AND company_id <> ${company}::int)`,
    );
    sides = sql`sides`;
  }
  const sources: Parameters<typeof dealEvents>[0]['sources'] = {};
  if (plan.tagIds) {
    const tagIds = plan.tagIds;
    ctes.push(
      sql`gone_tags AS (DELETE FROM deal_tags dt USING tags t
        WHERE dt.deal_id = ${dealId} AND t.id = dt.tag_id AND t.company_id = ${company}::int
          AND dt.tag_id <> ALL(${sql.param(tagIds)}::int[]))`,
      sql`new_tags AS (INSERT INTO deal_tags (deal_id, tag_id)
        SELECT d.id, t.id FROM deal d, ${unnestIds(tagIds)} t(id) ON CONFLICT DO NOTHING)`,
    );
    sources.tagIds = sql`(SELECT id AS tag_id FROM ${unnestIds(tagIds)} t(id)
      UNION ALL SELECT dt.tag_id FROM deal_tags dt JOIN tags t ON t.id = dt.tag_id
        WHERE dt.deal_id = d.id AND t.company_id <> ${company}::int)`;
  }
  if (plan.userIds) {
    const userIds = plan.userIds;
    ctes.push(
      sql`gone_users AS (DELETE FROM deal_users du USING users u
        WHERE du.deal_id = ${dealId} AND u.id = du.user_id AND u.company_id = ${company}::int
          AND du.user_id <> ALL(${sql.param(userIds)}::int[]))`,
      sql`new_users AS (INSERT INTO deal_users (deal_id, user_id)
        SELECT d.id, u.id FROM deal d, ${unnestIds(userIds)} u(id) ON CONFLICT DO NOTHING)`,
    );
    sources.userIds = sql`(SELECT id AS user_id FROM ${unnestIds(userIds)} u(id)
      UNION ALL SELECT du.user_id FROM deal_users du JOIN users u ON u.id = du.user_id
        WHERE du.deal_id = d.id AND u.company_id <> ${company}::int)`;
  }
  if (plan.fields) {
    const values = customFieldValuesWrite({
      name: 'fields',
      companyId: company,
      category: 'lead_deal',
      entityId: dealId,
      checked: plan.fields,
    });
    ctes.push(...values.ctes);
    sources.values = sql`(SELECT uuid, custom_field_id, value FROM ${values.after} v
      UNION ALL SELECT uuid, custom_field_id, value FROM custom_field_values
        WHERE entity_type = 'lead_deal' AND entity_id = d.id AND company_id <> ${company}::int)`;
  }
  const pays = columns.payment_stage_id != null;
  if (pays) {
    ctes.push(sql`due AS (${insertDuePayments(sql`deal`)})`);
    sources.payments = sql`(${storedPayments} UNION ALL SELECT ${PAYMENT_COLUMNS} FROM due)`;
  }
  const events = [
    dealEvents({
      deals: sql`deal`,
      sides,
      id,
      type: 'deals.update',
      caller,
      meta: plan.notifyPartner
        ? partnerNotice('deal_stage_changed', sql`, 'stageLabel', ${plan.stage?.label ?? null}::text`)
        : undefined,
      sources,
    }),
  ];
  if (pays) events.push(paymentEvents(sql`due`, sql`deal`, sides, caller));
  ctes.push(sql`outbox AS (${outboxInsert(sql.join(events, sql` UNION ALL `))})`);
  const [updated] = await queryRows<{ id: number; uuid: string; updated_at: Date }>(
    db,
    sql`WITH ${sql.join(ctes, sql`, `)} SELECT id, uuid, updated_at FROM deal`,
  );
  if (!updated) throw dealNotFound(); // deleted meanwhile
  return updated;
}
