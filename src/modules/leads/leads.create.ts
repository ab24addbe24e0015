import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { FieldProblems } from '../../core/field-problems.js';
import type { ResponseRecorder } from '../../core/idempotency.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { leads, PartnerType } from '../../db/schema/index.js';
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
  duplicateChecked,
  foundIds,
  type IdCheck,
  idProblems,
  leadEvent,
  NO_ROWS,
  noPartnership,
  unnestIds,
} from './leads.commands.js';
import type { CreatedLeadOut, CreateLeadInput } from './leads.schemas.js';
import { LEAD_MESSAGES } from './leads.schemas.js';

// POST /v1/leads as `facts → rules → write`: one statement reads what the checks need (and
// allocates the new rows' ids, so the response is known before the write and can be stored
// with it for Idempotency-Key), pure rules check the body and plan the rows, one statement
// writes the lead, the partner's copy, their links, values, the partnership lead, both
// `leads.create` events and the stored response.

// ---- facts ----

/** The partnership the body names, seen from the caller's company. */
export interface PartnershipFacts {
  id: number;
  status: string;
  partner_type: PartnerType;
  /** The caller's company partnership (its side). */
  side_id: number;
  /** The other company. */
  partner_company_id: number;
}

export interface CreateFacts {
  /** Pre-allocated ids: the lead, the partner's copy and the partnership lead (when the body asks for them). */
  ownId: number;
  copyId: number | null;
  partnershipLeadId: number | null;
  partnership: PartnershipFacts | null;
  /** Which of the ids the body names are the caller's (campaign, lead tags, company partnerships, users). */
  campaignIds: number[];
  tagIds: number[];
  attributionIds: number[];
  sentByIds: number[];
  /** Which `partnerUsers` are active users of the partnership's partner company. */
  partnerUserIds: number[];
  fields: CustomFieldFacts;
  /** The partner company's lead field definitions, for `partnerCustomFields`. */
  partnerFields: CustomFieldFacts | null;
}

const partnerTypeOf = (input: CreateLeadInput): PartnerType | null =>
  input.associationType === 'campaigns' ? null : input.associationType;

/** The body asks for a partnership lead (and, with sendToPartner, a copy): ids to allocate. */
const wantsPartnershipLead = (input: CreateLeadInput) =>
  input.associationType !== 'campaigns' && input.partnershipLead !== undefined;
const wantsCopy = (input: CreateLeadInput) =>
  wantsPartnershipLead(input) && input.partnershipLead?.sendToPartner === true;

const nextId = (table: string) => sql`nextval(pg_get_serial_sequence(${table}, 'id'))::int`;
const orNull = (on: boolean, value: SQL) => (on ? value : sql`NULL::int`);

export async function facts(db: Db, caller: Caller, input: CreateLeadInput): Promise<CreateFacts> {
  const company = caller.companyId;
  const pl = input.partnershipLead;
  const partnerType = partnerTypeOf(input);
  const send = wantsCopy(input);
  const partnerCompany = sql`(SELECT partner_company_id FROM p)`;
  const ids = (...list: (number | undefined)[]) => list.filter((id): id is number => id !== undefined);
  const [row] = await queryRows<CreateFacts>(
    db,
    sql`
    WITH p AS (
      SELECT p.id, p.status, p.partner_type, cp.id AS side_id, cp.partner_company_id
      FROM partnerships p JOIN company_partnerships cp ON cp.partnership_id = p.id AND cp.company_id = ${company}
      WHERE p.id = ${wantsPartnershipLead(input) ? (pl?.partnership_id ?? null) : null}::int)
    SELECT
      ${nextId('leads')} AS "ownId",
      ${orNull(send, nextId('leads'))} AS "copyId",
      ${orNull(wantsPartnershipLead(input), nextId('partnership_leads'))} AS "partnershipLeadId",
      (SELECT row_to_json(p) FROM p) AS partnership,
      ${foundIds(sql`campaigns`, sql`company_id = ${company}`, ids(input.companyCampaignId))} AS "campaignIds",
      ${foundIds(sql`tags`, sql`company_id = ${company} AND association = 'lead'`, input.tags ?? [])} AS "tagIds",
      ${foundIds(
        sql`company_partnerships`,
        sql`company_id = ${company}`,
        (input.attributions ?? []).map((a) => a.id),
      )} AS "attributionIds",
      ${foundIds(sql`users`, sql`company_id = ${company}`, ids(pl?.sentBy?.userId))} AS "sentByIds",
      ${foundIds(
        sql`users`,
        sql`company_id = ${partnerCompany} AND disabled_at IS NULL`,
        send ? (pl?.partnerUsers ?? []) : [],
      )} AS "partnerUserIds",
      ${customFieldFacts({
        companyId: company,
        category: 'lead',
        partnerType,
        ids: (input.customFields ?? []).map((v) => v.customFieldId),
      })} AS fields,
      ${
        send
          ? customFieldFacts({
              companyId: partnerCompany,
              category: 'lead',
              partnerType,
              ids: (input.partnerCustomFields ?? []).map((v) => v.customFieldId),
            })
          : sql`NULL::json`
      } AS "partnerFields"`,
  );
  return row!;
}

// ---- rules ----

/** The columns a create fills (the rest are defaults or generated). */
const INSERTED_COLUMNS = [
  'id',
  'uuid',
  'company_id',
  'created_by_user_id',
  'company_name',
  'email',
  'phone_number',
  'first_name',
  'last_name',
  'source',
  'status',
  'origin',
  'association_type',
  'partner_type',
  'campaign_id',
  'integration_name',
  'integration_custom_fields',
  'powerups',
  'partnership_lead_input',
  'partner_custom_fields',
] as const;

/** A lead as the create inserts it, its id allocated by the facts and its uuid made here. */
export type LeadRow = Required<
  Pick<typeof leads.$inferInsert, Exclude<(typeof INSERTED_COLUMNS)[number], 'id'>>
> & { id: number };

export interface CreatePlan {
  caller: Caller;
  own: LeadRow;
  tagIds: number[];
  fields: CheckedValues;
  attributions: { id: number; attributed_date: string; series: number }[];
  /** The partner's copy: a lead of the partner company, assigned to its users. */
  copy: { row: LeadRow; userIds: number[]; fields: CheckedValues } | null;
  /** The partnership lead of a referral or reseller lead; the write checks it is still accepted. */
  partnershipLead: {
    id: number;
    partnershipId: number;
    partnerType: PartnerType;
    partnerCompanyId: number;
  } | null;
  response: CreatedLeadOut;
}

/**
 * Every check of a create body, all problems reported in one 400 (the seed's message), in the
 * order they always came: the association and its partnership, the ids the body names, the
 * custom fields, then the partner's copy.
 */
export function rules(facts: CreateFacts, caller: Caller, input: CreateLeadInput): CreatePlan {
  const problems = new FieldProblems();
  const pl = input.partnershipLead;
  const partnerType = partnerTypeOf(input);
  let partnership: PartnershipFacts | undefined;
  if (input.associationType === 'campaigns') {
    if (pl) problems.add(['partnershipLead'], 'applies to referral and reseller leads only');
    if (input.companyCampaignId === undefined)
      problems.add(['companyCampaignId'], 'is required for campaign leads');
  } else if (!pl) {
    problems.add(['partnershipLead'], `is required for ${input.associationType} leads`);
  } else {
    partnership = checkPartnership(facts, input.associationType, pl, problems);
  }
  idProblems(
    problems,
    {
      found: facts.campaignIds,
      ids: [input.companyCampaignId],
      at: () => ['companyCampaignId'],
      what: 'no campaign in your company with id',
    },
    {
      found: facts.tagIds,
      ids: input.tags,
      at: (i) => ['tags', i],
      what: 'no lead tag in your company with id',
    },
    {
      found: facts.attributionIds,
      ids: input.attributions?.map((a) => a.id),
      at: (i) => ['attributions', i, 'id'],
      what: 'no company partnership of yours with id',
    },
  );
  const fields = checkCustomFieldInput(
    facts.fields,
    { category: 'lead', partnerType },
    input.customFields ?? [],
    {
      path: ['customFields'],
      problems,
    },
  );

  // The partner's copy: its users and custom values are the partner company's.
  const send = pl?.sendToPartner === true;
  const copyTo = send ? partnership?.partner_company_id : undefined;
  let partnerFields: CheckedValues = NO_VALUES;
  if (!send) {
    if (pl?.partnerUsers?.length)
      problems.add(['partnershipLead', 'partnerUsers'], 'applies only with sendToPartner: true');
    if (input.partnerCustomFields?.length)
      problems.add(['partnerCustomFields'], 'applies only with partnershipLead.sendToPartner: true');
  } else if (copyTo) {
    const partnerUsers: IdCheck = {
      found: facts.partnerUserIds,
      ids: pl?.partnerUsers,
      at: (i) => ['partnershipLead', 'partnerUsers', i],
      what: 'no active user of the partner company with id',
    };
    idProblems(problems, partnerUsers);
    partnerFields = checkCustomFieldInput(
      facts.partnerFields ?? { definitions: [], required: [] },
      { category: 'lead', partnerType, owner: "the partner's company" },
      input.partnerCustomFields ?? [],
      { path: ['partnerCustomFields'], problems },
    );
  }
  problems.throwIfAny(LEAD_MESSAGES.invalidValues);

  const contact = {
    company_name: input.company_name ?? null,
    email: input.email ?? null,
    phone_number: input.phone_number ?? null,
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
  };
  const common = { ...contact, association_type: input.associationType, partner_type: partnerType };
  const own: LeadRow = {
    ...common,
    id: facts.ownId,
    uuid: randomUUID(),
    company_id: caller.companyId,
    created_by_user_id: caller.userId,
    source: input.source ?? (input.associationType === 'campaigns' ? 'campaign' : 'partnership'),
    status: input.status ?? 'new',
    origin: 'own',
    campaign_id: input.companyCampaignId ?? null,
    integration_name: input.integrationName ?? null,
    integration_custom_fields: input.integrationCustomFields ?? null,
    powerups: input.powerups ?? null,
    partnership_lead_input: pl ?? null,
    partner_custom_fields: input.partnerCustomFields ?? null,
  };
  // The partner's copy is a lead of the partner company in every respect, with nothing of the
  // sender's own (tags, campaign, integration data): it came in over the partnership.
  const copy =
    copyTo && facts.copyId !== null
      ? {
          row: {
            ...common,
            id: facts.copyId,
            uuid: randomUUID(),
            company_id: copyTo,
            created_by_user_id: null,
            source: 'partnership',
            status: 'new',
            origin: 'received',
            campaign_id: null,
            integration_name: null,
            integration_custom_fields: null,
            powerups: null,
            partnership_lead_input: null,
            partner_custom_fields: null,
          } satisfies LeadRow,
          userIds: pl?.partnerUsers ?? [],
          fields: partnerFields,
        }
      : null;
  const partnershipLead =
    partnership && facts.partnershipLeadId !== null
      ? {
          id: facts.partnershipLeadId,
          partnershipId: partnership.id,
          partnerType: partnership.partner_type,
          partnerCompanyId: partnership.partner_company_id,
        }
      : null;
  return {
    caller,
    own,
    copy,
    tagIds: input.tags ?? [],
    fields,
    attributions: (input.attributions ?? []).map((a, i) => ({
      id: a.id,
      attributed_date: a.attributedDate.toISOString(),
      series: i + 1,
    })),
    partnershipLead,
    response: { id: own.id, uuid: own.uuid, partnershipLeadId: partnershipLead?.id ?? null },
  };
}

/**
 * The accepted partnership of the association's type the lead goes through; the ids the body
 * repeats about it (`company_partnerships_id`, `partners_company_id`) must match it, and
 * `sentBy.userId` must be one of the caller's users.
 */
function checkPartnership(
  facts: CreateFacts,
  type: PartnerType,
  pl: NonNullable<CreateLeadInput['partnershipLead']>,
  problems: FieldProblems,
): PartnershipFacts | undefined {
  idProblems(problems, {
    found: facts.sentByIds,
    ids: [pl.sentBy?.userId],
    at: () => ['partnershipLead', 'sentBy', 'userId'],
    what: 'no user in your company with id',
  });
  const found = facts.partnership;
  if (!found || found.status !== 'accepted' || found.partner_type !== type) {
    noPartnership(problems, type, pl.partnership_id);
    return undefined;
  }
  if (pl.company_partnerships_id !== undefined && pl.company_partnerships_id !== found.side_id) {
    problems.add(
      ['partnershipLead', 'company_partnerships_id'],
      `must be your company partnership ${found.side_id} of partnership ${found.id}`,
    );
  }
  if (pl.partners_company_id !== undefined && pl.partners_company_id !== found.partner_company_id) {
    problems.add(
      ['partnershipLead', 'partners_company_id'],
      `must be the partner company ${found.partner_company_id} of partnership ${found.id}`,
    );
  }
  return found;
}

// ---- write ----

const INSERTED = sql.raw(INSERTED_COLUMNS.join(', '));

/**
 * One statement: the leads (the caller's and the partner's copy), tags, attributions, the
 * copy's users, both sides' custom values, the partnership lead, the `leads.create` events
 * with their payloads built from what this statement writes, and the stored response. A
 * referral or reseller lead is written only if its partnership is still accepted (otherwise
 * nothing is, and the 400 is the one the rules give); a second live lead with the same email
 * is the unique index's 409.
 */
export async function write(db: Db, plan: CreatePlan, recorder?: ResponseRecorder): Promise<CreatedLeadOut> {
  const { own, copy, partnershipLead: link, caller } = plan;
  const rows = copy ? [own, copy.row] : [own];
  // The only fact that can change under us and that no constraint guards.
  const accepted = link
    ? sql`EXISTS (SELECT 1 FROM partnerships WHERE id = ${link.partnershipId} AND status = 'accepted')`
    : sql`true`;
  const leadId = (id: number) => sql`(SELECT id FROM lead WHERE id = ${id}::int)`;
  const ownFields = customFieldValuesWrite({
    name: 'own_fields',
    companyId: own.company_id,
    category: 'lead',
    entityId: leadId(own.id),
    checked: plan.fields,
    isNew: true,
  });
  const copyFields = copy
    ? customFieldValuesWrite({
        name: 'copy_fields',
        companyId: copy.row.company_id,
        category: 'lead',
        entityId: leadId(copy.row.id),
        checked: copy.fields,
        isNew: true,
      })
    : undefined;
  const ctes: SQL[] = [
    sql`lead AS (
      INSERT INTO leads (${INSERTED}) OVERRIDING SYSTEM VALUE
      SELECT ${INSERTED} FROM jsonb_populate_recordset(NULL::leads, ${JSON.stringify(rows)}::jsonb)
      WHERE ${accepted}
      RETURNING *)`,
  ];
  if (plan.tagIds.length > 0) {
    ctes.push(sql`own_tags AS (INSERT INTO lead_tags (lead_id, tag_id)
      SELECT l.id, t.id FROM lead l, ${unnestIds(plan.tagIds)} t(id) WHERE l.id = ${own.id}::int)`);
  }
  if (plan.attributions.length > 0) {
    ctes.push(sql`own_attributions AS (
      INSERT INTO lead_attributions (lead_id, company_partnership_id, attributed_date, series)
      SELECT l.id, a.id, a.attributed_date, a.series
      FROM lead l, jsonb_to_recordset(${JSON.stringify(plan.attributions)}::jsonb)
        AS a(id int, attributed_date timestamptz, series int)
      WHERE l.id = ${own.id}::int)`);
  }
  ctes.push(...ownFields.ctes);
  if (copy && copy.userIds.length > 0) {
    ctes.push(sql`copy_users AS (INSERT INTO lead_users (lead_id, user_id)
      SELECT l.id, u.id FROM lead l, ${unnestIds(copy.userIds)} u(id) WHERE l.id = ${copy.row.id}::int)`);
  }
  if (copyFields) ctes.push(...copyFields.ctes);
  if (link) {
    ctes.push(sql`partnership_lead AS (
      INSERT INTO partnership_leads (id, partnership_id, partner_type, sent_by_company_id,
        received_by_company_id, sent_by_user_id, sender_lead_id, receiver_lead_id) OVERRIDING SYSTEM VALUE
      SELECT ${link.id}::int, ${link.partnershipId}::int, ${link.partnerType}::text, l.company_id,
        ${link.partnerCompanyId}::int, ${caller.userId}::int, l.id, ${copy?.row.id ?? null}::int
      FROM lead l WHERE l.id = ${own.id}::int
      RETURNING *)`);
  }
  const exchanges = link ? sql`partnership_lead` : NO_ROWS.partnershipLeads;
  const events = [
    leadEvent({
      from: sql`lead`,
      id: own.id,
      type: 'leads.create',
      apiKeyId: caller.keyId,
      actorUserId: caller.userId,
      sources: {
        tagIds: sql`(SELECT id AS tag_id FROM ${unnestIds(plan.tagIds)} t(id))`,
        userIds: NO_ROWS.userIds,
        values: ownFields.after,
        partnershipLeads: exchanges,
      },
    }),
  ];
  if (copy) {
    events.push(
      leadEvent({
        from: sql`lead`,
        id: copy.row.id,
        type: 'leads.create',
        apiKeyId: null,
        actorUserId: null,
        sources: {
          tagIds: NO_ROWS.tagIds,
          userIds: sql`(SELECT id AS user_id FROM ${unnestIds(copy.userIds)} u(id))`,
          values: copyFields!.after,
          partnershipLeads: exchanges,
        },
      }),
    );
  }
  ctes.push(sql`outbox AS (${outboxInsert(sql.join(events, sql` UNION ALL `))})`);
  if (recorder) {
    const stored = await recorder.storeResponse(201, plan.response, sql`EXISTS (SELECT 1 FROM lead)`);
    ctes.push(sql`stored AS (${stored})`);
  }
  const [written] = await duplicateChecked(
    queryRows<{ n: number }>(db, sql`WITH ${sql.join(ctes, sql`, `)} SELECT count(*)::int AS n FROM lead`),
  );
  if (written!.n === 0 && link) {
    // Declined or withdrawn between the facts and the write: nothing was written.
    const problems = new FieldProblems();
    noPartnership(problems, link.partnerType, link.partnershipId);
    problems.throwIfAny(LEAD_MESSAGES.invalidValues);
  }
  return plan.response;
}
