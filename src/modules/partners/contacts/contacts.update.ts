import { type SQL, sql } from 'drizzle-orm';
import { notFound } from '../../../core/errors.js';
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
import { type ContactJson, contactJson, storedTagsJson, tagsParam } from './contacts.payload.js';
import type { UpdateContactInput } from './contacts.schemas.js';

// PATCH /v1/contacts/{id}: only the fields sent change; `tags` replaces the list.
// facts → rules → write.

export type UpdateContactFacts = {
  partner_type: PartnerType;
  /** The partner company's name, as the contact shows it. */
  company_name: string;
  refs: Pick<ReferenceFacts, 'tags'>;
};

/** The caller's contact `id` with its partnership's type; undefined when not the caller's. */
export async function facts(
  db: Db,
  companyId: number,
  id: number,
  input: UpdateContactInput,
): Promise<UpdateContactFacts | undefined> {
  const refs = referencesJson(sql`${companyId}::int`, sql`p.partner_type`, {
    tagIds: input.tags ?? [],
    stage: null,
    tierId: null,
    categoryId: null,
    userIds: [],
  });
  const rows = await queryRows<UpdateContactFacts>(
    db,
    sql`
    SELECT p.partner_type, pc.name AS company_name, ${refs} AS refs
    FROM contacts c JOIN company_partnerships cp ON cp.id = c.company_partnership_id
      JOIN partnerships p ON p.id = cp.partnership_id JOIN companies pc ON pc.id = cp.partner_company_id
    WHERE c.id = ${id} AND c.company_id = ${companyId}`,
  );
  return rows[0];
}

const COLUMNS = ['email', 'first_name', 'last_name', 'position', 'phone_number'] as const;
type Column = (typeof COLUMNS)[number];

export interface UpdateContactPlan {
  companyId: number;
  id: number;
  /** The columns the body sets. */
  set: Partial<Record<Column, string | null>>;
  /** The new tag list, or undefined to keep the stored one. */
  tags: TagRef[] | undefined;
  companyName: string;
  apiKeyId: number | null;
}

export function rules(
  facts: UpdateContactFacts | undefined,
  companyId: number,
  id: number,
  input: UpdateContactInput,
  apiKeyId: number | null,
): UpdateContactPlan {
  if (!facts) throw notFound('Contact');
  const { tags } = input;
  if (tags) {
    const problems = new FieldProblems();
    checkPartnerTags(facts.refs, facts.partner_type, [{ path: ['tags'], ids: tags }], problems);
    problems.throwIfAny();
  }
  const set: UpdateContactPlan['set'] = {};
  for (const column of COLUMNS) if (input[column] !== undefined) set[column] = input[column];
  return {
    companyId,
    id,
    set,
    tags: tags && pickTags(facts.refs, tags),
    companyName: facts.company_name,
    apiKeyId,
  };
}

/**
 * The row, its tags and `partners.contact_update`, in one statement; undefined when the contact
 * is gone meanwhile. Tags are replaced without touching those that stay (a key deleted and
 * inserted again by sibling CTEs could collide).
 */
export async function write(db: Db, plan: UpdateContactPlan): Promise<ContactJson | undefined> {
  const assignments = Object.entries(plan.set).map(
    ([column, value]) => sql`${sql.identifier(column)} = ${value}`,
  );
  const tagIds = sql`${sql.param((plan.tags ?? []).map((t) => t.id))}::int[]`;
  const relink: SQL[] = plan.tags
    ? [
        sql`unlinked AS (DELETE FROM contact_tags
          WHERE contact_id IN (SELECT id FROM contact) AND tag_id <> ALL(${tagIds}))`,
        sql`linked AS (INSERT INTO contact_tags (contact_id, tag_id)
          SELECT contact.id, t.id FROM contact, unnest(${tagIds}) AS t(id) ON CONFLICT DO NOTHING)`,
      ]
    : [];
  const tags = plan.tags ? tagsParam(plan.tags) : storedTagsJson(sql`contact.id`);
  const rows = await queryRows<{ contact: ContactJson }>(
    db,
    sql`
    WITH contact AS (
      UPDATE contacts SET ${sql.join([...assignments, sql`updated_at = now()`], sql`, `)}
      WHERE id = ${plan.id} AND company_id = ${plan.companyId}
      RETURNING *),
    ${relink.length > 0 ? sql`${sql.join(relink, sql`, `)},` : sql``}
    body AS (SELECT ${contactJson(sql`contact`, sql`${plan.companyName}::text`, tags)} AS contact FROM contact),
    outbox AS (${outboxInsert(sql`
      SELECT ${plan.companyId}::int, 'partners.contact_update', jsonb_build_object('contact', contact),
        ${plan.apiKeyId}::int, NULL::int, NULL::jsonb
      FROM body`)})
    SELECT contact FROM body`,
  );
  return rows[0]?.contact;
}
