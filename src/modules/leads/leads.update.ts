import { type SQL, sql } from 'drizzle-orm';
import { FieldProblems } from '../../core/field-problems.js';
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
} from '../custom-field-values/index.js';
import {
  type Caller,
  duplicateChecked,
  foundIds,
  idProblems,
  leadEvent,
  leadNotFound,
  unnestIds,
} from './leads.commands.js';
import { NEEDS_CONTACT, type UpdateLeadInput } from './leads.schemas.js';

// PATCH /v1/leads/{id} as `facts → rules → write`: only what is sent changes; tags and
// assigned users are replaced, custom fields upserted; the users newly assigned are notified.

// ---- facts ----

export interface UpdateFacts {
  /** The live lead of the caller's company, with what the rules need; null: 404. */
  lead: {
    id: number;
    partner_type: PartnerType | null;
    email: string | null;
    company_name: string | null;
  } | null;
  /** Which of `assignedUsers` are active users of the company, which of `tags` its lead tags. */
  userIds: number[];
  tagIds: number[];
  /** Only when the body sends customFields. */
  fields: CustomFieldFacts | null;
}

export async function facts(
  db: Db,
  caller: Caller,
  id: number,
  input: UpdateLeadInput,
): Promise<UpdateFacts> {
  const company = caller.companyId;
  const fields = input.customFields
    ? customFieldFacts({
        companyId: company,
        category: 'lead',
        partnerType: sql`l.partner_type`,
        ids: input.customFields.map((v) => v.customFieldId),
        entityId: id,
      })
    : sql`NULL::json`;
  const [row] = await queryRows<UpdateFacts>(
    db,
    sql`
    SELECT
      CASE WHEN l.id IS NOT NULL THEN json_build_object('id', l.id, 'partner_type', l.partner_type,
        'email', l.email, 'company_name', l.company_name) END AS lead,
      ${foundIds(
        sql`users`,
        sql`company_id = ${company} AND disabled_at IS NULL`,
        input.assignedUsers ?? [],
      )} AS "userIds",
      ${foundIds(sql`tags`, sql`company_id = ${company} AND association = 'lead'`, input.tags ?? [])} AS "tagIds",
      ${fields} AS fields
    FROM (SELECT 1) AS one
    LEFT JOIN leads l ON l.id = ${id} AND l.company_id = ${company} AND l.deleted_at IS NULL`,
  );
  return row!;
}

// ---- rules ----

type Columns = Omit<UpdateLeadInput, 'assignedUsers' | 'tags' | 'customFields'>;

export interface UpdatePlan {
  caller: Caller;
  id: number;
  /** The lead's columns the body sets (absent ones stay). */
  columns: Columns;
  /** Replacements, when sent. */
  tagIds: number[] | undefined;
  userIds: number[] | undefined;
  fields: CheckedValues | undefined;
}

/** 404 for a lead that is not the caller's live lead; then every problem of the body in one 400. */
export function rules(facts: UpdateFacts, caller: Caller, id: number, input: UpdateLeadInput): UpdatePlan {
  const { lead } = facts;
  if (!lead) throw leadNotFound();
  const problems = new FieldProblems();
  const email = input.email === undefined ? lead.email : input.email;
  const companyName = input.company_name === undefined ? lead.company_name : input.company_name;
  if (!email && !companyName) {
    for (const key of ['email', 'company_name'] as const) {
      if (input[key] !== undefined) problems.add([key], NEEDS_CONTACT);
    }
  }
  idProblems(
    problems,
    {
      found: facts.userIds,
      ids: input.assignedUsers,
      at: (i) => ['assignedUsers', i],
      what: 'no active user in your company with id',
    },
    {
      found: facts.tagIds,
      ids: input.tags,
      at: (i) => ['tags', i],
      what: 'no lead tag in your company with id',
    },
  );
  const fields =
    input.customFields &&
    checkCustomFieldInput(
      facts.fields ?? { definitions: [], required: [] },
      { category: 'lead', partnerType: lead.partner_type },
      input.customFields,
      { path: ['customFields'], problems },
    );
  problems.throwIfAny();
  const { assignedUsers, tags, customFields: _, ...columns } = input;
  return { caller, id, columns, tagIds: tags, userIds: assignedUsers, fields };
}

// ---- write ----

const COLUMNS = ['company_name', 'email', 'phone_number', 'first_name', 'last_name', 'status'] as const;

/**
 * One statement: the lead's columns, its tags and users replaced (only the rows that change:
 * deleting and re-inserting one key in sibling CTEs could collide), its values upserted, and the
 * `leads.update` event with the lead as it is after the change and, when users were sent, the
 * ones newly assigned in `meta.notifyUserIds`. Every part hangs off the updated lead row: a lead
 * deleted meanwhile changes nothing and is the same 404; an email taken meanwhile is the 409.
 */
export async function write(db: Db, plan: UpdatePlan) {
  const { id, caller, tagIds, userIds } = plan;
  const set = COLUMNS.filter((c) => plan.columns[c] !== undefined).map(
    (c) => sql`${sql.identifier(c)} = ${plan.columns[c]}`,
  );
  const leadId = sql`(SELECT id FROM lead)`;
  const ctes: SQL[] = [
    sql`lead AS (
      UPDATE leads SET ${sql.join([...set, sql`updated_at = now()`], sql`, `)}
      WHERE id = ${id} AND company_id = ${caller.companyId} AND deleted_at IS NULL
      RETURNING *)`,
  ];
  if (tagIds) {
    ctes.push(
      sql`gone_tags AS (DELETE FROM lead_tags
        WHERE lead_id = ${leadId} AND tag_id <> ALL(${sql.param(tagIds)}::int[]))`,
      sql`new_tags AS (INSERT INTO lead_tags (lead_id, tag_id)
        SELECT l.id, t.id FROM lead l, ${unnestIds(tagIds)} t(id) ON CONFLICT DO NOTHING)`,
    );
  }
  if (userIds) {
    ctes.push(
      sql`gone_users AS (DELETE FROM lead_users
        WHERE lead_id = ${leadId} AND user_id <> ALL(${sql.param(userIds)}::int[]))`,
      // RETURNING names the rows inserted: the users the lead did not have before.
      sql`new_users AS (INSERT INTO lead_users (lead_id, user_id)
        SELECT l.id, u.id FROM lead l, ${unnestIds(userIds)} u(id) ON CONFLICT DO NOTHING
        RETURNING user_id)`,
    );
  }
  const values = plan.fields
    ? customFieldValuesWrite({
        name: 'fields',
        companyId: caller.companyId,
        category: 'lead',
        entityId: leadId,
        checked: plan.fields,
      })
    : undefined;
  if (values) ctes.push(...values.ctes);
  // In the order the body listed them, as today's notices go out.
  const meta = userIds
    ? sql`json_build_object('notifyUserIds', (SELECT coalesce(json_agg(u.id ORDER BY u.n), '[]')
        FROM unnest(${sql.param(userIds)}::int[]) WITH ORDINALITY u(id, n)
        WHERE u.id IN (SELECT user_id FROM new_users)))`
    : undefined;
  const event = leadEvent({
    from: sql`lead`,
    id,
    type: 'leads.update',
    apiKeyId: caller.keyId,
    actorUserId: caller.userId,
    meta,
    sources: {
      tagIds: tagIds && sql`(SELECT id AS tag_id FROM ${unnestIds(tagIds)} t(id))`,
      userIds: userIds && sql`(SELECT id AS user_id FROM ${unnestIds(userIds)} u(id))`,
      values: values?.after,
    },
  });
  ctes.push(sql`outbox AS (${outboxInsert(event)})`);
  const [updated] = await duplicateChecked(
    queryRows<{ id: number; uuid: string; updated_at: Date }>(
      db,
      sql`WITH ${sql.join(ctes, sql`, `)} SELECT id, uuid, updated_at FROM lead`,
    ),
  );
  if (!updated) throw leadNotFound(); // deleted meanwhile
  return updated;
}
