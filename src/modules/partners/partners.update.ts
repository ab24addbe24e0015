import { type SQL, sql } from 'drizzle-orm';
import { ApiError, notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import type { PartnershipStatus, PartnerType } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import {
  type CheckedValues,
  type CustomFieldFacts,
  checkCustomFieldInput,
  customFieldFacts,
  customFieldValuesWrite,
} from '../custom-field-values/index.js';
import { classify, type ReferenceFacts, referencesJson } from './partners.classification.js';
import { type Caller, notPending } from './partners.rules.js';
import type { TagRef, UpdatePartnerInput } from './partners.schemas.js';
import { customFieldsJson, payloadJson, type SideView, sideJson, type UserRef } from './partners.sides.js';

// PATCH /v1/partners/{id}: only what is sent changes; tags and assigned users are replaced,
// custom fields upserted; `inactive` sends or withdraws the invitation. facts → rules → write.

export type UpdateFacts = {
  partnership_id: number;
  status: PartnershipStatus;
  partner_type: PartnerType;
  /** The inviting company. */
  company_id: number;
  /** The invited company. */
  partner_company_id: number;
  refs: ReferenceFacts;
  fields: CustomFieldFacts;
};

/** The caller's side `id` with its partnership and what the body names; undefined when not the caller's. */
export async function facts(
  db: Db,
  caller: Caller,
  id: number,
  input: UpdatePartnerInput,
): Promise<UpdateFacts | undefined> {
  const me = sql`${caller.companyId}::int`;
  const refs = referencesJson(me, sql`p.partner_type`, {
    tagIds: input.tags ?? [],
    stage: input.stageUuid ?? null,
    tierId: input.tierId ?? null,
    categoryId: input.categoryId ?? null,
    userIds: input.assignedUsers ?? [],
  });
  const fields = customFieldFacts({
    companyId: me,
    category: 'partner',
    partnerType: sql`p.partner_type`,
    ids: (input.customFields ?? []).map((v) => v.customFieldId),
    entityId: sql`cp.id`,
  });
  const rows = await queryRows<UpdateFacts>(
    db,
    sql`
    SELECT p.id AS partnership_id, p.status, p.partner_type, p.company_id, p.partner_company_id,
      ${refs} AS refs, ${fields} AS fields
    FROM company_partnerships cp JOIN partnerships p ON p.id = cp.partnership_id
    WHERE cp.id = ${id} AND cp.company_id = ${me}`,
  );
  return rows[0];
}

export type StatusChange = { from: PartnershipStatus; to: PartnershipStatus };

/**
 * `inactive` on PATCH, inviting company only: false sends the invitation of an inactive
 * partnership, true withdraws a pending one. Asking for the state it is already in is a no-op.
 */
export function invitationChange(
  facts: Pick<UpdateFacts, 'status' | 'company_id'>,
  companyId: number,
  inactive: boolean,
): StatusChange | undefined {
  const { status } = facts;
  if (facts.company_id !== companyId) {
    throw new ApiError('forbidden', 'Only the inviting company can send or withdraw the invitation');
  }
  if (inactive) {
    if (status === 'pending') return { from: 'pending', to: 'inactive' };
    if (status === 'inactive') return undefined;
    throw notPending(status, 'withdrawn');
  }
  if (status === 'inactive') return { from: 'inactive', to: 'pending' };
  if (status === 'declined') {
    throw new ApiError('conflict', 'This partnership was declined: delete it and invite the partner again');
  }
  return undefined;
}

export interface UpdatePlan {
  companyId: number;
  sideId: number;
  partnershipId: number;
  /** The columns of the side the body sets. */
  set: {
    stage_id?: number | null;
    tier_id?: number | null;
    category_id?: number | null;
    fallback_data?: unknown;
  };
  tags: TagRef[] | undefined;
  users: UserRef[] | undefined;
  fields: CheckedValues | undefined;
  /** The shared status moves: the partner company's view changes as well (it gets the event too). */
  statusChange: StatusChange | undefined;
  apiKeyId: number | null;
}

export function rules(
  facts: UpdateFacts | undefined,
  caller: Caller,
  id: number,
  input: UpdatePartnerInput,
): UpdatePlan {
  if (!facts) throw notFound('Partner');
  const { companyId } = caller;
  const statusChange =
    input.inactive === undefined ? undefined : invitationChange(facts, companyId, input.inactive);
  const problems = new FieldProblems();
  const partnerType = facts.partner_type;
  const classified = classify(facts.refs, partnerType, input, problems);
  const fields =
    input.customFields &&
    checkCustomFieldInput(facts.fields, { category: 'partner', partnerType }, input.customFields, {
      path: ['customFields'],
      problems,
    });
  problems.throwIfAny();
  const set: UpdatePlan['set'] = {};
  if (classified.stage !== undefined) set.stage_id = classified.stage?.id ?? null;
  if (classified.tier !== undefined) set.tier_id = classified.tier?.id ?? null;
  if (classified.category !== undefined) set.category_id = classified.category?.id ?? null;
  if (input.fallbackData !== undefined) set.fallback_data = input.fallbackData;
  return {
    companyId,
    sideId: id,
    partnershipId: facts.partnership_id,
    set,
    tags: classified.tags,
    users: classified.users,
    fields,
    statusChange,
    apiKeyId: caller.keyId ?? null,
  };
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * One statement: the side's columns, its tags and users replaced (only the rows that change:
 * deleting and re-inserting one key in sibling CTEs could collide), its values upserted, the
 * status moved, and `partners.update` for the caller (and, when the status moved, the partner
 * company) with each side as it is after the change. Every part hangs off the updated side,
 * which hangs off the status move: a side gone meanwhile, or a status changed meanwhile, writes
 * nothing (the values' entity is then NULL: the engine writes none) and returns undefined.
 */
export async function write(db: Db, plan: UpdatePlan): Promise<SideView | undefined> {
  const { set, statusChange } = plan;
  const sideId = sql`(SELECT id FROM side)`;
  const assignments: SQL[] = [];
  for (const column of ['stage_id', 'tier_id', 'category_id'] as const) {
    if (set[column] !== undefined) assignments.push(sql`${sql.identifier(column)} = ${set[column]}::int`);
  }
  if (set.fallback_data !== undefined) {
    assignments.push(
      sql`fallback_data = ${set.fallback_data === null ? null : JSON.stringify(set.fallback_data)}::jsonb`,
    );
  }
  const ctes: SQL[] = [];
  if (statusChange) {
    ctes.push(sql`moved AS (UPDATE partnerships SET status = ${statusChange.to}::text, updated_at = now()
      WHERE id = ${plan.partnershipId} AND status = ${statusChange.from}::text RETURNING *)`);
  }
  ctes.push(sql`side AS (UPDATE company_partnerships SET ${sql.join([...assignments, sql`updated_at = now()`], sql`, `)}
    WHERE id = ${plan.sideId} AND company_id = ${plan.companyId}
      ${statusChange ? sql`AND EXISTS (SELECT 1 FROM moved)` : sql``}
    RETURNING *)`);
  const links = [
    ['tags', 'company_partnership_tags', 'tag_id', plan.tags],
    ['users', 'company_partnership_users', 'user_id', plan.users],
  ] as const;
  for (const [name, table, column, list] of links) {
    if (!list) continue;
    const ids = sql`${sql.param(list.map((x) => x.id))}::int[]`;
    ctes.push(
      sql`${sql.identifier(`gone_${name}`)} AS (DELETE FROM ${sql.identifier(table)}
        WHERE company_partnership_id = ${sideId} AND ${sql.identifier(column)} <> ALL(${ids}))`,
      sql`${sql.identifier(`new_${name}`)} AS (INSERT INTO ${sql.identifier(table)}
        (company_partnership_id, ${sql.identifier(column)})
        SELECT side.id, x.id FROM side, unnest(${ids}) AS x(id) ON CONFLICT DO NOTHING)`,
    );
  }
  const values =
    plan.fields &&
    customFieldValuesWrite({
      name: 'fields',
      companyId: plan.companyId,
      category: 'partner',
      entityId: sideId,
      checked: plan.fields,
    });
  if (values) ctes.push(...values.ctes);
  // The sides as their companies see them after this statement.
  const partnership = statusChange ? 'moved' : 'p';
  const mine = sideJson({
    cp: 'side',
    p: partnership,
    tags: plan.tags && json(plan.tags),
    users: plan.users && json(plan.users),
    customFields: values && customFieldsJson(values.after),
  });
  ctes.push(
    sql`side_views AS (
      SELECT 0 AS ord, side.id, side.company_id, ${mine}::jsonb AS side
      FROM side ${statusChange ? sql`, moved` : sql`JOIN partnerships p ON p.id = side.partnership_id`}
      ${
        statusChange
          ? sql`UNION ALL SELECT 1, o.id, o.company_id, ${sideJson({ cp: 'o', p: 'moved' })}::jsonb
            FROM moved JOIN company_partnerships o ON o.partnership_id = moved.id
            WHERE o.id <> ${plan.sideId} AND EXISTS (SELECT 1 FROM side)`
          : sql``
      })`,
    sql`outbox AS (${outboxInsert(sql`
      SELECT s.company_id, 'partners.update', jsonb_build_object('partnership', ${payloadJson(sql`s.side`)}),
        ${plan.apiKeyId}::int, NULL::int, NULL::jsonb
      FROM side_views s ORDER BY s.ord`)})`,
  );
  const rows = await queryRows<{ side: SideView }>(
    db,
    sql`
    WITH ${sql.join(ctes, sql`, `)}
    SELECT side FROM side_views WHERE ord = 0`,
  );
  return rows[0]?.side;
}
