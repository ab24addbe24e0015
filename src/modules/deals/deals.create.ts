import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { FieldProblems } from '../../core/field-problems.js';
import type { ResponseRecorder } from '../../core/idempotency.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { PartnerType } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import {
  type CheckedValues,
  type CustomFieldFacts,
  checkCustomFieldInput,
  customFieldFacts,
  customFieldValuesWrite,
  NO_VALUES,
} from '../custom-field-values/index.js';
import {
  type Caller,
  type CurrencyFact,
  currencyFact,
  dealEvents,
  foundIds,
  foundUuids,
  idProblems,
  moneyProblem,
  NO_PAYMENTS,
  namedCurrency,
  namedStage,
  partnerNotice,
  paymentEvents,
  type StageFact,
  stageFact,
  tagIdsOf,
  unnestIds,
} from './deals.commands.js';
import { commissionTotal, insertDuePayments } from './deals.money.js';
import { PAYMENT_COLUMNS } from './deals.payload.js';
import type { CreateDealInput } from './deals.schemas.js';

// POST /v1/deals as `facts → rules → write`: one statement reads what the checks need (the
// lead, currency, stages, tags, users, the partnership and the partner's side, both companies'
// custom field definitions) and allocates the deal's id, so the response is known before the
// write and can be stored with it for Idempotency-Key; pure rules check the body and plan the
// rows; one statement writes the deal, its sides, tags, users, values, the payments due at its
// payment stage and every event.

/** What a create of a partnership deal says about the message of an invalid association. */
export const INVALID_VALUES = 'Invalid field values or missing required association';

// ---- facts ----

export interface LeadFact {
  id: number;
  uuid: string;
  company_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  partner_type: PartnerType | null;
}

export interface PartnershipFact {
  id: number;
  status: string;
  partner_type: PartnerType;
  partner_company_id: number;
  /** The partner company's copy of the lead on this partnership (live), if any. */
  partner_lead_id: number | null;
  /** The partner's first deal stage by series, if it has any. */
  partner_stage_id: number | null;
  /** The caller's company partnership's tier's default calculation. */
  commission_calculation: unknown;
}

export interface CreateFacts {
  dealId: number;
  lead: LeadFact | null;
  byCode: CurrencyFact | null;
  byUuid: CurrencyFact | null;
  fallback: CurrencyFact | null;
  stage: StageFact | null;
  firstStage: StageFact | null;
  paymentStage: StageFact | null;
  tagIds: number[];
  tagUuids: { id: number; uuid: string }[];
  userIds: number[];
  partnership: PartnershipFact | null;
  fields: CustomFieldFacts;
  partnerFields: CustomFieldFacts | null;
}

const nextId = (table: string) => sql`nextval(pg_get_serial_sequence(${table}, 'id'))::int`;

export async function facts(db: Db, caller: Caller, input: CreateDealInput): Promise<CreateFacts> {
  const company = caller.companyId;
  const leadWhere: SQL[] = [sql`company_id = ${company}`, sql`deleted_at IS NULL`];
  if (input.lead_id !== undefined) leadWhere.push(sql`id = ${input.lead_id}::int`);
  if (input.lead_uuid !== undefined) leadWhere.push(sql`uuid = ${input.lead_uuid}::uuid`);
  const namesLead = input.lead_id !== undefined || input.lead_uuid !== undefined;
  // The partnership: the one the body names (the caller a party to it), else the first one the
  // lead was sent over or received through.
  const pship =
    input.partnership_id !== undefined
      ? sql`SELECT p.id, p.status, p.partner_type, cp.partner_company_id FROM partnerships p
          JOIN company_partnerships cp ON cp.partnership_id = p.id AND cp.company_id = ${company}
          WHERE p.id = ${input.partnership_id}::int`
      : sql`SELECT p.id, p.status, p.partner_type,
            CASE WHEN pl.sent_by_company_id = ${company} THEN pl.received_by_company_id
              ELSE pl.sent_by_company_id END AS partner_company_id
          FROM partnership_leads pl JOIN partnerships p ON p.id = pl.partnership_id
          WHERE pl.sender_lead_id = (SELECT id FROM lead) OR pl.receiver_lead_id = (SELECT id FROM lead)
          ORDER BY pl.id LIMIT 1`;
  const partnerCompany = sql`(SELECT partner_company_id FROM pship)`;
  const partnerType = sql`coalesce((SELECT partner_type FROM pship), (SELECT partner_type FROM lead))`;
  const [row] = await queryRows<CreateFacts>(
    db,
    sql`
    WITH lead AS (
      SELECT id, uuid, company_name, first_name, last_name, email, partner_type FROM leads
      WHERE ${namesLead ? sql.join(leadWhere, sql` AND `) : sql`false`}),
    pship AS (${pship})
    SELECT
      ${nextId('deals')} AS "dealId",
      (SELECT row_to_json(lead) FROM lead) AS lead,
      ${input.currency_code !== undefined ? currencyFact(sql`code = ${input.currency_code}`) : sql`NULL::json`} AS "byCode",
      ${input.currency_uuid !== undefined ? currencyFact(sql`uuid = ${input.currency_uuid}::uuid`) : sql`NULL::json`} AS "byUuid",
      ${currencyFact(sql`code = (SELECT default_currency FROM companies WHERE id = ${company})`)} AS fallback,
      ${stageFact(company, 'lead_deal', input.stage_id, input.stage_uuid)} AS stage,
      (SELECT json_build_object('id', id, 'uuid', uuid, 'label', label, 'phase', phase) FROM stages
        WHERE company_id = ${company} AND pipeline = 'lead_deal' ORDER BY series, id LIMIT 1) AS "firstStage",
      ${stageFact(company, 'payment', input.payment_stage_id, input.payment_stage_uuid)} AS "paymentStage",
      ${foundIds(sql`tags`, sql`company_id = ${company} AND association = 'lead_deal'`, input.tags ?? [])} AS "tagIds",
      ${foundUuids(sql`tags`, sql`company_id = ${company} AND association = 'lead_deal'`, input.tag_uuids ?? [])} AS "tagUuids",
      ${foundIds(sql`users`, sql`company_id = ${company} AND disabled_at IS NULL`, input.assignedUsers ?? [])} AS "userIds",
      (SELECT json_build_object('id', p.id, 'status', p.status, 'partner_type', p.partner_type,
          'partner_company_id', p.partner_company_id,
          'partner_lead_id', (SELECT pl_lead.id FROM partnership_leads pl
              JOIN leads pl_lead ON pl_lead.id = CASE WHEN pl.sender_lead_id = (SELECT id FROM lead)
                THEN pl.receiver_lead_id ELSE pl.sender_lead_id END
            WHERE pl.partnership_id = p.id AND pl_lead.deleted_at IS NULL
              AND pl_lead.company_id = p.partner_company_id
              AND (pl.sender_lead_id = (SELECT id FROM lead) OR pl.receiver_lead_id = (SELECT id FROM lead))
            ORDER BY pl.id LIMIT 1),
          'partner_stage_id', (SELECT id FROM stages WHERE company_id = p.partner_company_id
            AND pipeline = 'lead_deal' ORDER BY series, id LIMIT 1),
          'commission_calculation', (SELECT t.commission_calculation FROM company_partnerships cp
            JOIN tiers t ON t.id = cp.tier_id WHERE cp.partnership_id = p.id AND cp.company_id = ${company}))
        FROM pship p) AS partnership,
      ${customFieldFacts({
        companyId: company,
        category: 'lead_deal',
        partnerType,
        ids: (input.customFields ?? []).map((v) => v.customFieldId),
      })} AS fields,
      CASE WHEN EXISTS (SELECT 1 FROM pship) THEN ${customFieldFacts({
        companyId: partnerCompany,
        category: 'lead_deal',
        partnerType,
        ids: (input.partnerCustomFields ?? []).map((v) => v.customFieldId),
      })} END AS "partnerFields"`,
  );
  return row!;
}

// ---- rules ----

/** The deal's columns as the create inserts them. */
export interface DealRow {
  id: number;
  uuid: string;
  company_id: number;
  partnership_id: number | null;
  created_by_user_id: number | null;
  label: string;
  deal_value: string;
  currency_code: string;
  expiration_date: string | null;
  payment_stage_id: number | null;
  commission_calculation: unknown;
  integration_name: string | null;
  integration_custom_fields: unknown;
  powerups: unknown;
}

export interface SideRow {
  company_id: number;
  role: 'owner' | 'partner';
  lead_id: number | null;
  stage_id: number | null;
}

export interface CreatePlan {
  caller: Caller;
  deal: DealRow;
  /** The lead the deal is on: it must still be live when the write runs. */
  leadId: number;
  owner: SideRow;
  partner: SideRow | null;
  tagIds: number[];
  userIds: number[];
  fields: CheckedValues;
  partnerFields: CheckedValues;
  response: { id: number; uuid: string };
}

/** The label a deal gets without one: the lead's company name, else its contact's name, else its email. */
export function labelFromLead(lead: LeadFact): string {
  const name = [lead.first_name, lead.last_name].filter((s) => s?.trim()).join(' ');
  return lead.company_name || name || lead.email || `Lead ${lead.id}`;
}

/** Every check of a create body, all problems in one 400; then the rows to write. */
export function rules(facts: CreateFacts, caller: Caller, input: CreateDealInput): CreatePlan {
  const problems = new FieldProblems();
  const { lead } = facts;
  if (input.lead_id === undefined && input.lead_uuid === undefined) {
    problems.add(['lead_id'], 'lead_id or lead_uuid is required');
  } else if (!lead) {
    problems.add(
      [input.lead_id !== undefined ? 'lead_id' : 'lead_uuid'],
      'must be a live lead of your company',
    );
  }
  const currency = namedCurrency(problems, facts, input);
  if (currency && input.deal_value !== undefined)
    moneyProblem(problems, ['deal_value'], input.deal_value, currency);
  const named = namedStage(
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
  const tagIds = tagIdsOf(problems, input, { ids: facts.tagIds, uuids: facts.tagUuids }) ?? [];
  idProblems(problems, {
    found: facts.userIds,
    ids: input.assignedUsers,
    at: (i) => ['assignedUsers', i],
    what: 'no active user in your company with id',
  });

  // The partnership: the one named must be accepted; an inferred one counts only if accepted.
  let partnership = facts.partnership;
  if (input.partnership_id !== undefined) {
    if (!partnership || partnership.status !== 'accepted') {
      problems.add(
        ['partnership_id'],
        `no accepted partnership of your company with id ${input.partnership_id}`,
      );
      partnership = null;
    }
  } else if (partnership && partnership.status !== 'accepted') {
    partnership = null;
  }
  const partnerType = partnership?.partner_type ?? lead?.partner_type ?? null;
  const fields = checkCustomFieldInput(
    facts.fields,
    { category: 'lead_deal', partnerType },
    input.customFields ?? [],
    { path: ['customFields'], problems },
  );
  let partnerFields: CheckedValues = NO_VALUES;
  if (!partnership) {
    if (input.partnerCustomFields?.length)
      problems.add(['partnerCustomFields'], 'applies to partnership deals only');
  } else {
    partnerFields = checkCustomFieldInput(
      facts.partnerFields ?? { definitions: [], required: [] },
      { category: 'lead_deal', partnerType, owner: "the partner's company" },
      input.partnerCustomFields ?? [],
      { path: ['partnerCustomFields'], problems },
    );
  }
  problems.throwIfAny(
    problems.count > 0 && input.partnership_id !== undefined && !partnership ? INVALID_VALUES : undefined,
  );

  const stage = named ?? facts.firstStage;
  const deal: DealRow = {
    id: facts.dealId,
    uuid: randomUUID(),
    company_id: caller.companyId,
    partnership_id: partnership?.id ?? null,
    created_by_user_id: caller.userId,
    label: input.label ?? input.deal_label ?? labelFromLead(lead!),
    deal_value: input.deal_value ?? '0',
    currency_code: currency!.code,
    expiration_date: input.expiration_date ?? null,
    payment_stage_id: paymentStage?.id ?? null,
    commission_calculation: partnership?.commission_calculation ?? null,
    integration_name: input.integrationName ?? null,
    integration_custom_fields: input.integrationCustomFields ?? null,
    powerups: input.powerups ?? null,
  };
  return {
    caller,
    deal,
    leadId: lead!.id,
    owner: { company_id: caller.companyId, role: 'owner', lead_id: lead!.id, stage_id: stage?.id ?? null },
    partner: partnership
      ? {
          company_id: partnership.partner_company_id,
          role: 'partner',
          lead_id: partnership.partner_lead_id,
          stage_id: partnership.partner_stage_id,
        }
      : null,
    tagIds,
    userIds: input.assignedUsers ?? [],
    fields,
    partnerFields,
    response: { id: deal.id, uuid: deal.uuid },
  };
}

// ---- write ----

/**
 * One statement: the deal (its total commission computed from the copied calculation), its
 * sides, tags, users, both sides' values, the payments due at its payment stage, `deals.create`
 * to each side (the partner's with the notice for a lead it sent), `payments.create` for each
 * payment, and the stored response. Written only if the lead is still live and the partnership
 * still accepted (else nothing is, and that is the rules' 400).
 */
export async function write(
  db: Db,
  plan: CreatePlan,
  recorder?: ResponseRecorder,
): Promise<{ id: number; uuid: string }> {
  const { deal, caller } = plan;
  const guards = [sql`EXISTS (SELECT 1 FROM leads WHERE id = ${plan.leadId}::int AND deleted_at IS NULL)`];
  if (deal.partnership_id !== null)
    guards.push(
      sql`EXISTS (SELECT 1 FROM partnerships WHERE id = ${deal.partnership_id}::int AND status = 'accepted')`,
    );
  const calc = sql`${deal.commission_calculation === null ? null : JSON.stringify(deal.commission_calculation)}::jsonb`;
  const value = sql`${deal.deal_value}::numeric`;
  const code = sql`${deal.currency_code}::text`;
  const dealId = sql`(SELECT id FROM deal)`;
  const ctes: SQL[] = [
    sql`deal AS (
      INSERT INTO deals (id, uuid, company_id, partnership_id, created_by_user_id, label, deal_value,
        currency_code, expiration_date, payment_stage_id, commission_calculation, total_commission_value,
        integration_name, integration_custom_fields, powerups) OVERRIDING SYSTEM VALUE
      SELECT ${deal.id}::int, ${deal.uuid}::uuid, ${deal.company_id}::int, ${deal.partnership_id}::int,
        ${deal.created_by_user_id}::int, ${deal.label}::text, ${value}, ${code}, ${deal.expiration_date}::date,
        ${deal.payment_stage_id}::int, ${calc}, ${commissionTotal(calc, value, code)},
        ${deal.integration_name}::text,
        ${deal.integration_custom_fields === null ? null : JSON.stringify(deal.integration_custom_fields)}::jsonb,
        ${deal.powerups === null ? null : JSON.stringify(deal.powerups)}::jsonb
      WHERE ${sql.join(guards, sql` AND `)}
      RETURNING *)`,
    sql`sides AS (
      INSERT INTO deal_sides (deal_id, company_id, role, lead_id, stage_id)
      SELECT d.id, x.company_id, x.role, x.lead_id, x.stage_id
      FROM deal d, jsonb_to_recordset(${JSON.stringify(plan.partner ? [plan.owner, plan.partner] : [plan.owner])}::jsonb)
        AS x(company_id int, role text, lead_id int, stage_id int)
      RETURNING *)`,
  ];
  if (plan.tagIds.length > 0)
    ctes.push(sql`new_tags AS (INSERT INTO deal_tags (deal_id, tag_id)
      SELECT d.id, t.id FROM deal d, ${unnestIds(plan.tagIds)} t(id))`);
  if (plan.userIds.length > 0)
    ctes.push(sql`new_users AS (INSERT INTO deal_users (deal_id, user_id)
      SELECT d.id, u.id FROM deal d, ${unnestIds(plan.userIds)} u(id))`);
  const own = customFieldValuesWrite({
    name: 'own_fields',
    companyId: caller.companyId,
    category: 'lead_deal',
    entityId: dealId,
    checked: plan.fields,
    isNew: true,
  });
  ctes.push(...own.ctes);
  const partner = plan.partner
    ? customFieldValuesWrite({
        name: 'partner_fields',
        companyId: plan.partner.company_id,
        category: 'lead_deal',
        entityId: dealId,
        checked: plan.partnerFields,
        isNew: true,
      })
    : undefined;
  if (partner) ctes.push(...partner.ctes);
  // Payments are due at once when the deal starts at a payment stage its calculation names.
  const pays =
    deal.payment_stage_id !== null && deal.partnership_id !== null && deal.commission_calculation !== null;
  if (pays) ctes.push(sql`due AS (${insertDuePayments(sql`deal`)})`);
  const payments = pays ? sql`(SELECT ${PAYMENT_COLUMNS} FROM due)` : NO_PAYMENTS;
  const values = partner ? sql`(${own.after} UNION ALL ${partner.after})` : own.after;
  const events = [
    dealEvents({
      deals: sql`deal`,
      sides: sql`sides`,
      id: deal.id,
      type: 'deals.create',
      caller,
      meta: partnerNotice('deal_created'),
      sources: {
        tagIds: sql`(SELECT id AS tag_id FROM ${unnestIds(plan.tagIds)} t(id))`,
        userIds: sql`(SELECT id AS user_id FROM ${unnestIds(plan.userIds)} u(id))`,
        values: sql`(SELECT uuid, custom_field_id, value FROM ${values} v)`,
        payments,
      },
    }),
  ];
  if (pays) events.push(paymentEvents(sql`due`, sql`deal`, sql`sides`, caller));
  ctes.push(sql`outbox AS (${outboxInsert(sql.join(events, sql` UNION ALL `))})`);
  if (recorder) {
    const stored = await recorder.storeResponse(201, plan.response, sql`EXISTS (SELECT 1 FROM deal)`);
    ctes.push(sql`stored AS (${stored})`);
  }
  const [written] = await queryRows<{ n: number }>(
    db,
    sql`WITH ${sql.join(ctes, sql`, `)} SELECT count(*)::int AS n FROM deal`,
  );
  if (written!.n === 0) {
    // The lead was deleted, or the partnership ended, between the facts and the write.
    const problems = new FieldProblems();
    problems.add(['lead_id'], 'must be a live lead of your company');
    if (deal.partnership_id !== null)
      problems.add(
        ['partnership_id'],
        `no accepted partnership of your company with id ${deal.partnership_id}`,
      );
    problems.throwIfAny(INVALID_VALUES);
  }
  return plan.response;
}
