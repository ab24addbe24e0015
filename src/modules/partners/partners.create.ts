import { type SQL, sql } from 'drizzle-orm';
import { ApiError } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { PartnershipStatus, PartnerType } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import type { NewPartnerInvitation } from '../accounts/index.js';
import {
  type CheckedValues,
  type CustomFieldFacts,
  checkCustomFieldInput,
  customFieldFacts,
  customFieldValuesWrite,
} from '../custom-field-values/index.js';
import { emailDomain } from './business-email.js';
import { contactJson } from './contacts/contacts.payload.js';
import { classify, pickTags, type ReferenceFacts, referencesJson } from './partners.classification.js';
import { type Caller, ownCompany } from './partners.rules.js';
import type { CreatePartnerInput, TagRef } from './partners.schemas.js';
import {
  customFieldsJson,
  type PartnerCompany,
  partnerCompanyJson,
  payloadJson,
  type SideView,
  sideJson,
  type UserRef,
} from './partners.sides.js';

// POST /v1/partners (and /v1/partnerships): invites a partner, or records it (`inactive`). The
// partner company is found by email domain or created with the emails as its users; then the
// partnership, both sides, the caller's contacts, tags, assigned users and custom field values,
// the invitations of a created company's people and the events. facts → rules → write.

/** The partner's email domain: `emailDomain`, else the first email's. */
export const partnerDomain = (input: CreatePartnerInput) =>
  input.emailDomain ?? emailDomain(input.emails[0]!.email);

export type CreateFacts = {
  /** The company with the partner's email domain, if there is one. */
  existing: PartnerCompany | null;
  /** That company and the caller already have a partnership of this type (either way). */
  taken: boolean;
  /** The country `countryId` names, null when none is given or there is no such country. */
  country: { id: number; code: string; label: string } | null;
  /** The caller's company name: invitation e-mails name the inviting company. */
  company_name: string;
  refs: ReferenceFacts;
  fields: CustomFieldFacts;
};

export async function facts(db: Db, caller: Caller, input: CreatePartnerInput): Promise<CreateFacts> {
  const me = sql`${caller.companyId}::int`;
  const type = sql`${input.partnerType}::text`;
  const refs = referencesJson(me, type, {
    tagIds: [...(input.tags ?? []), ...input.emails.flatMap((e) => e.tags ?? [])],
    // No stageUuid: the first partner stage for the type; an explicit null: none.
    stage: input.stageUuid === undefined ? 'first' : input.stageUuid,
    tierId: input.tierId ?? null,
    categoryId: input.categoryId ?? null,
    userIds: input.assignedUsers ?? [],
  });
  const fields = customFieldFacts({
    companyId: me,
    category: 'partner',
    partnerType: type,
    ids: (input.customFields ?? []).map((v) => v.customFieldId),
  });
  const rows = await queryRows<CreateFacts>(
    db,
    sql`
    SELECT x.existing,
      x.existing IS NOT NULL AND EXISTS (SELECT 1 FROM partnerships p
        WHERE least(p.company_id, p.partner_company_id) = least(${me}, (x.existing->>'id')::int)
          AND greatest(p.company_id, p.partner_company_id) = greatest(${me}, (x.existing->>'id')::int)
          AND p.partner_type = ${type}) AS taken,
      (SELECT json_build_object('id', co.id, 'code', co.code, 'label', co.label)
        FROM countries co WHERE co.id = ${input.countryId ?? null}::int) AS country,
      (SELECT name FROM companies WHERE id = ${me}) AS company_name,
      ${refs} AS refs, ${fields} AS fields
    FROM (SELECT (SELECT ${partnerCompanyJson(sql`pc`)} FROM companies pc
      WHERE lower(pc.domain) = ${partnerDomain(input).toLowerCase()}) AS existing) x`,
  );
  return rows[0]!;
}

export interface CreatePlan {
  companyId: number;
  invitedBy: number | null;
  apiKeyId: number | null;
  domain: string;
  /** An existing company's id, or the company this write creates (with `newUsers`). */
  partner: { id: number } | { name: string; domain: string; countryId: number | null };
  /** The partner company's name, as contacts show it. */
  partnerName: string;
  partnership: {
    partner_type: PartnerType;
    reseller: 'company' | 'partner' | null;
    status: PartnershipStatus;
  };
  side: { stage_id: number | null; tier_id: number | null; category_id: number | null };
  tags: TagRef[];
  users: UserRef[];
  contacts: { email: string; first_name: string | null; last_name: string | null; tags: TagRef[] }[];
  /** The people of a company created here become its users, the first an admin. */
  newUsers: {
    email: string;
    first_name: string | null;
    last_name: string | null;
    role: 'admin' | 'partnerships';
  }[];
  /**
   * They have no password yet: each gets a one-time link, unless the partnership is inactive
   * (it invites nobody, so neither does it send links).
   */
  invite: boolean;
  fields: CheckedValues;
  /** An existing company sees the new partnership in its own list, so it gets the event too. */
  partnerSees: boolean;
  invitingCompanyName: string;
}

export function rules(facts: CreateFacts, caller: Caller, input: CreatePartnerInput): CreatePlan {
  const { companyId } = caller;
  const { partnerType } = input;
  const problems = new FieldProblems();
  const domain = partnerDomain(input);
  const seen = new Map<string, number>();
  input.emails.forEach(({ email }, i) => {
    const first = seen.get(email.toLowerCase());
    if (first !== undefined) problems.add(['emails', i, 'email'], `repeats emails[${first}].email`);
    seen.set(email.toLowerCase(), first ?? i);
    if (emailDomain(email) !== domain) {
      problems.add(['emails', i, 'email'], `must be an address at the partner's email domain '${domain}'`);
    }
  });
  if (input.reseller && partnerType !== 'reseller') {
    problems.add(['reseller'], 'applies to reseller partnerships only');
  }
  const contactTags = input.emails.map((e, i) => ({ path: ['emails', i, 'tags'], ids: e.tags }));
  const classified = classify(facts.refs, partnerType, input, problems, contactTags);
  const { existing } = facts;
  if (existing?.id === companyId) {
    ownCompany(problems, input.emailDomain ? ['emailDomain'] : ['emails', 0, 'email'], domain);
  }
  if (input.countryId && !facts.country) problems.add(['countryId'], `no country with id ${input.countryId}`);
  const fields = checkCustomFieldInput(
    facts.fields,
    { category: 'partner', partnerType },
    input.customFields ?? [],
    {
      path: ['customFields'],
      problems,
    },
  );
  problems.throwIfAny();
  if (facts.taken) throw partnershipExists(partnerType, domain);

  const status = input.inactive ? 'inactive' : 'pending';
  const stage = input.stageUuid === undefined ? facts.refs.stage : (classified.stage ?? null);
  return {
    companyId,
    invitedBy: caller.userId,
    apiKeyId: caller.keyId ?? null,
    domain,
    partner: existing
      ? { id: existing.id }
      : { name: input.name, domain, countryId: input.countryId ?? null },
    partnerName: existing?.name ?? input.name,
    partnership: {
      partner_type: partnerType,
      reseller: partnerType === 'reseller' ? (input.reseller ?? 'partner') : null,
      status,
    },
    side: {
      stage_id: stage?.id ?? null,
      tier_id: classified.tier?.id ?? null,
      category_id: classified.category?.id ?? null,
    },
    tags: classified.tags ?? [],
    users: classified.users ?? [],
    contacts: input.emails.map((e) => ({
      email: e.email,
      first_name: e.firstName ?? null,
      last_name: e.lastName ?? null,
      tags: pickTags(facts.refs, e.tags ?? []),
    })),
    newUsers: existing
      ? []
      : input.emails.map((e, i) => ({
          email: e.email,
          first_name: e.firstName ?? null,
          last_name: e.lastName ?? null,
          role: i === 0 ? ('admin' as const) : ('partnerships' as const),
        })),
    invite: !existing && status === 'pending',
    fields,
    partnerSees: existing !== null,
    invitingCompanyName: facts.company_name,
  };
}

export const partnershipExists = (partnerType: PartnerType, domain: string) =>
  new ApiError('conflict', `A ${partnerType} partnership with ${domain} already exists`);

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * Everything in one statement; returns the caller's new side. `invitations` are the links of
 * `plan.newUsers` (by email) when `plan.invite`. Fails with a unique violation when the pair
 * already has this partnership (`partnerships_pair_type_key`) or the domain's company was
 * created meanwhile (`companies_domain_key`).
 */
export async function write(
  db: Db,
  plan: CreatePlan,
  invitations: readonly NewPartnerInvitation[],
): Promise<SideView> {
  const me = sql`${plan.companyId}::int`;
  const created = !('id' in plan.partner);
  const partnerId = 'id' in plan.partner ? sql`${plan.partner.id}::int` : sql`(SELECT id FROM company)`;
  const ctes: SQL[] = [];
  if (!('id' in plan.partner)) {
    ctes.push(
      sql`company AS (INSERT INTO companies (name, domain, country_id)
        VALUES (${plan.partner.name}, ${plan.partner.domain}, ${plan.partner.countryId}::int) RETURNING *)`,
      sql`partner_users AS (INSERT INTO users (company_id, email, first_name, last_name, role)
        SELECT company.id, u.email, u.first_name, u.last_name, u.role
        FROM company, jsonb_to_recordset(${json(plan.newUsers.map((u, ord) => ({ ord, ...u })))})
          AS u(ord int, email text, first_name text, last_name text, role text)
        ORDER BY u.ord
        RETURNING id, company_id, email, role)`,
    );
  }
  const { partnership: p, side } = plan;
  ctes.push(
    sql`partnership AS (INSERT INTO partnerships
        (company_id, partner_company_id, partner_type, reseller, status, invited_by_user_id)
      VALUES (${me}, ${partnerId}, ${p.partner_type}, ${p.reseller}, ${p.status}, ${plan.invitedBy}::int)
      RETURNING *)`,
    sql`sides AS (INSERT INTO company_partnerships
        (partnership_id, company_id, partner_company_id, stage_id, tier_id, category_id)
      SELECT id, company_id, partner_company_id, ${side.stage_id}::int, ${side.tier_id}::int,
        ${side.category_id}::int FROM partnership
      UNION ALL SELECT id, partner_company_id, company_id, NULL, NULL, NULL FROM partnership
      RETURNING *)`,
    sql`mine AS (SELECT * FROM sides WHERE company_id = ${me})`,
    sql`theirs AS (SELECT * FROM sides WHERE company_id <> ${me})`,
    sql`contact_input AS (SELECT * FROM jsonb_to_recordset(${json(plan.contacts.map((c, ord) => ({ ord, ...c })))})
      AS e(ord int, email text, first_name text, last_name text, tags jsonb))`,
    sql`new_contacts AS (INSERT INTO contacts (company_id, company_partnership_id, email, first_name, last_name)
      SELECT ${me}, mine.id, e.email, e.first_name, e.last_name FROM mine, contact_input e ORDER BY e.ord
      RETURNING *)`,
    sql`contact_links AS (INSERT INTO contact_tags (contact_id, tag_id)
      SELECT c.id, (t->>'id')::int FROM new_contacts c
        JOIN contact_input e ON lower(e.email) = lower(c.email), jsonb_array_elements(e.tags) t)`,
    sql`tag_links AS (INSERT INTO company_partnership_tags (company_partnership_id, tag_id)
      SELECT mine.id, (t->>'id')::int FROM mine, jsonb_array_elements(${json(plan.tags)}) t)`,
    sql`user_links AS (INSERT INTO company_partnership_users (company_partnership_id, user_id)
      SELECT mine.id, (u->>'id')::int FROM mine, jsonb_array_elements(${json(plan.users)}) u)`,
  );
  const values = customFieldValuesWrite({
    name: 'fields',
    companyId: me,
    category: 'partner',
    entityId: sql`(SELECT id FROM mine)`,
    checked: plan.fields,
    isNew: true,
  });
  ctes.push(...values.ctes);
  if (plan.invite && invitations.length > 0) {
    const links = invitations.map((i, ord) => ({
      ord,
      email: i.email,
      token_hash: i.tokenHash,
      expires_at: i.expiresAt.toISOString(),
    }));
    ctes.push(sql`invited AS (INSERT INTO invitations
        (company_id, kind, email, role, user_id, partnership_id, invited_by_user_id, token_hash, expires_at)
      SELECT u.company_id, 'partner', u.email, u.role, u.id, partnership.id, ${plan.invitedBy}::int,
        i.token_hash, i.expires_at
      FROM partnership, jsonb_to_recordset(${json(links)})
          AS i(ord int, email text, token_hash text, expires_at timestamptz)
        JOIN partner_users u ON lower(u.email) = lower(i.email)
      ORDER BY i.ord)`);
  }
  // The sides as their companies see them, built from what this statement wrote.
  const mineView = sideJson({
    cp: 'mine',
    p: 'partnership',
    partner: created ? sql`(SELECT ${partnerCompanyJson(sql`company`)} FROM company)` : undefined,
    tags: json(plan.tags),
    users: json(plan.users),
    customFields: customFieldsJson(values.after),
  });
  const theirsView = sideJson({
    cp: 'theirs',
    p: 'partnership',
    tags: sql`'[]'::json`,
    users: sql`'[]'::json`,
    customFields: sql`'[]'::json`,
  });
  ctes.push(
    sql`side_views AS (SELECT 0 AS ord, mine.company_id, ${mineView}::jsonb AS side FROM mine, partnership
      ${plan.partnerSees ? sql`UNION ALL SELECT 1, theirs.company_id, ${theirsView}::jsonb FROM theirs, partnership` : sql``})`,
    sql`contact_views AS (SELECT e.ord, ${contactJson(sql`c`, sql`${plan.partnerName}::text`, sql`e.tags`)} AS contact
      FROM new_contacts c JOIN contact_input e ON lower(e.email) = lower(c.email))`,
    sql`outbox AS (${outboxInsert(sql`
      SELECT company_id, type, payload, ${plan.apiKeyId}::int, NULL::int, NULL::jsonb FROM (
        SELECT s.ord, 0 AS sub, s.company_id, 'partners.create' AS type,
          jsonb_build_object('partnership', ${payloadJson(sql`s.side`)}) AS payload
        FROM side_views s
        UNION ALL SELECT 2, c.ord, ${me}, 'partners.contact_create', jsonb_build_object('contact', c.contact)
        FROM contact_views c) e
      ORDER BY e.ord, e.sub`)})`,
  );
  const rows = await queryRows<{ side: SideView }>(
    db,
    sql`
    WITH ${sql.join(ctes, sql`, `)}
    SELECT side FROM side_views WHERE ord = 0`,
  );
  return rows[0]!.side;
}
