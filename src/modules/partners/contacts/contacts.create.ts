import { sql } from 'drizzle-orm';
import { FieldProblems } from '../../../core/field-problems.js';
import type { Db } from '../../../db/database.js';
import { outboxInsert } from '../../../db/outbox.js';
import type { PartnerType } from '../../../db/schema/index.js';
import { queryRows } from '../../../db/statement.js';
import {
  checkPartnerTags,
  pickTags,
  type ReferenceFacts,
  referencesJson,
} from '../partners.classification.js';
import type { TagRef } from '../partners.schemas.js';
import { type ContactJson, contactJson, tagsParam } from './contacts.payload.js';
import type { CreateContactInput } from './contacts.schemas.js';

// POST /v1/contacts: a contact for one of the caller's partners. facts → rules → write.

export type CreateContactFacts = {
  /** The caller's side `partnership_id` names: null when it is not the caller's. */
  side: { partner_type: PartnerType; company_name: string } | null;
  /** The caller's partner tags among those asked for, that fit the side's partner type. */
  refs: Pick<ReferenceFacts, 'tags'>;
};

export async function facts(
  db: Db,
  companyId: number,
  input: CreateContactInput,
): Promise<CreateContactFacts> {
  const refs = referencesJson(sql`${companyId}::int`, sql`(s.side->>'partner_type')`, {
    tagIds: input.tags ?? [],
    stage: null,
    tierId: null,
    categoryId: null,
    userIds: [],
  });
  const rows = await queryRows<CreateContactFacts>(
    db,
    sql`
    SELECT s.side, ${refs} AS refs
    FROM (SELECT (SELECT json_build_object('partner_type', p.partner_type, 'company_name', pc.name)
      FROM company_partnerships cp JOIN partnerships p ON p.id = cp.partnership_id
        JOIN companies pc ON pc.id = cp.partner_company_id
      WHERE cp.id = ${input.partnership_id} AND cp.company_id = ${companyId}) AS side) s`,
  );
  return rows[0]!;
}

export interface CreateContactPlan {
  companyId: number;
  sideId: number;
  contact: {
    email: string;
    first_name: string | null;
    last_name: string | null;
    position: string | null;
    phone_number: string | null;
  };
  /** The partner company's name, as the contact shows it. */
  companyName: string;
  tags: TagRef[];
  apiKeyId: number | null;
}

export function rules(
  facts: CreateContactFacts,
  companyId: number,
  input: CreateContactInput,
  apiKeyId: number | null,
): CreateContactPlan {
  const { partnership_id, tags, email, first_name, last_name, position, phone_number } = input;
  const problems = new FieldProblems();
  if (!facts.side) problems.add(['partnership_id'], `no partner with id ${partnership_id} in your company`);
  else checkPartnerTags(facts.refs, facts.side.partner_type, [{ path: ['tags'], ids: tags }], problems);
  problems.throwIfAny();
  return {
    companyId,
    sideId: partnership_id,
    contact: {
      email,
      first_name: first_name ?? null,
      last_name: last_name ?? null,
      position: position ?? null,
      phone_number: phone_number ?? null,
    },
    companyName: facts.side!.company_name,
    tags: pickTags(facts.refs, tags ?? []),
    apiKeyId,
  };
}

/** The contact, its tags and `partners.contact_create`, in one statement. */
export async function write(db: Db, plan: CreateContactPlan): Promise<ContactJson> {
  const { contact: c } = plan;
  const rows = await queryRows<{ contact: ContactJson }>(
    db,
    sql`
    WITH contact AS (
      INSERT INTO contacts (company_id, company_partnership_id, email, first_name, last_name, position, phone_number)
      VALUES (${plan.companyId}, ${plan.sideId}, ${c.email}, ${c.first_name}, ${c.last_name}, ${c.position},
        ${c.phone_number})
      RETURNING *),
    linked AS (
      INSERT INTO contact_tags (contact_id, tag_id)
      SELECT contact.id, t.id FROM contact, jsonb_to_recordset(${tagsParam(plan.tags)}) AS t(id int)),
    body AS (SELECT ${contactJson(sql`contact`, sql`${plan.companyName}::text`, tagsParam(plan.tags))} AS contact
      FROM contact),
    outbox AS (${outboxInsert(sql`
      SELECT ${plan.companyId}::int, 'partners.contact_create', jsonb_build_object('contact', contact),
        ${plan.apiKeyId}::int, NULL::int, NULL::jsonb
      FROM body`)})
    SELECT contact FROM body`,
  );
  return rows[0]!.contact;
}
