import { type SQL, sql } from 'drizzle-orm';
import type { FieldProblems } from '../../core/field-problems.js';
import type { PartnerType } from '../../db/schema/index.js';
import type { TagRef } from './partners.schemas.js';
import {
  type CategoryRef,
  categoryJson,
  type StageRef,
  stageJson,
  TAG_ORDER,
  type TierRef,
  tagJson,
  tierJson,
  type UserRef,
  userJson,
} from './partners.sides.js';

// The ids a partner body names (tags, stage, tier, category, assigned users): `referencesJson`
// reads, inside a command's facts statement, which of them are the caller's and fit the
// partnership's type; `classify` (pure) turns that into the 400s and the rows to write. A
// catalogue entry with a partner type of its own applies to that type only.

type Path = readonly PropertyKey[];

export interface ReferenceFacts {
  /** The caller's partner tags among the ids asked for that apply to the type, in list order. */
  tags: TagRef[];
  /** The stage asked for by uuid, or (`firstStage`) the first partner stage for the type. */
  stage: StageRef | null;
  tier: TierRef | null;
  category: CategoryRef | null;
  /** The caller's active users among the ids asked for, by id. */
  users: UserRef[];
}

export interface ReferenceQuery {
  tagIds: readonly number[];
  /** A uuid: that stage; `first`: the company's first partner stage for the type; else none. */
  stage: string | 'first' | null;
  tierId: number | null;
  categoryId: number | null;
  userIds: readonly number[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ids = (list: readonly number[]) => sql`${sql.param([...new Set(list)])}::int[]`;
const appliesTo = (alias: string, partnerType: SQL) =>
  sql`(${sql.raw(alias)}.partner_type IS NULL OR ${sql.raw(alias)}.partner_type = ${partnerType})`;

/**
 * A JSON expression (`ReferenceFacts`) for a facts statement. `companyId` and `partnerType` may be
 * values or expressions of the surrounding query (the partnership's type, read in the same statement).
 */
export function referencesJson(companyId: SQL, partnerType: SQL, q: ReferenceQuery): SQL<ReferenceFacts> {
  const none = sql`NULL::json`;
  const empty = sql`'[]'::json`;
  const stagePick =
    q.stage === null || (q.stage !== 'first' && !UUID.test(q.stage))
      ? none
      : sql`(SELECT ${stageJson(sql`st`)} FROM stages st
          WHERE st.company_id = ${companyId} AND st.pipeline = 'partner' AND ${appliesTo('st', partnerType)}
          ${q.stage === 'first' ? sql`ORDER BY st.series, st.id LIMIT 1` : sql`AND st.uuid = ${q.stage}::uuid`})`;
  return sql<ReferenceFacts>`json_build_object(
    'tags', ${
      q.tagIds.length === 0
        ? empty
        : sql`(SELECT coalesce(json_agg(${tagJson(sql`tg`)} ORDER BY ${TAG_ORDER(sql`tg`)}), '[]') FROM tags tg
          WHERE tg.company_id = ${companyId} AND tg.id = ANY(${ids(q.tagIds)}) AND tg.association = 'partner'
            AND ${appliesTo('tg', partnerType)})`
    },
    'stage', ${stagePick},
    'tier', ${
      q.tierId === null
        ? none
        : sql`(SELECT ${tierJson(sql`ti`)} FROM tiers ti
          WHERE ti.company_id = ${companyId} AND ti.id = ${q.tierId} AND ${appliesTo('ti', partnerType)})`
    },
    'category', ${
      q.categoryId === null
        ? none
        : sql`(SELECT ${categoryJson(sql`ca`)} FROM categories ca
          WHERE ca.company_id = ${companyId} AND ca.id = ${q.categoryId} AND ${appliesTo('ca', partnerType)})`
    },
    'users', ${
      q.userIds.length === 0
        ? empty
        : sql`(SELECT coalesce(json_agg(${userJson(sql`u`)} ORDER BY u.id), '[]') FROM users u
          WHERE u.company_id = ${companyId} AND u.id = ANY(${ids(q.userIds)}) AND u.disabled_at IS NULL)`
    })`;
}

// ---- rules ----

/** Unknown ids are a 400 naming the field, the same as an id of another company. */
const unknown = (noun: string, what: 'id(s)' | 'uuid', list: readonly unknown[]) =>
  `Unknown ${noun} ${what} for your company: ${list.join(', ')}`;

export interface ClassificationInput {
  stageUuid?: string | null | undefined;
  tierId?: number | null | undefined;
  categoryId?: number | null | undefined;
  assignedUsers?: number[] | undefined;
  tags?: number[] | undefined;
}

/** What the input sets (undefined: left alone; null: cleared), with the objects it names. */
export interface Classification {
  stage?: StageRef | null;
  tier?: TierRef | null;
  category?: CategoryRef | null;
  tags?: TagRef[];
  users?: UserRef[];
}

/** The tags of `facts` that `ids` names, in list order (`facts.tags` is). */
export const pickTags = (facts: Pick<ReferenceFacts, 'tags'>, ids: readonly number[]) =>
  facts.tags.filter((t) => ids.includes(t.id));

/**
 * Checks the partner tags of each list (`[{path: ['tags'], ids}]`, a contact's too) against the
 * caller's, adding one problem per list that names ids not the caller's.
 */
export function checkPartnerTags(
  facts: Pick<ReferenceFacts, 'tags'>,
  partnerType: PartnerType,
  lists: { path: Path; ids: readonly number[] | undefined }[],
  problems: FieldProblems,
): void {
  const known = new Set(facts.tags.map((t) => t.id));
  for (const { path, ids: list } of lists) {
    if (!list?.length) continue;
    const missing = [...new Set(list)].filter((id) => !known.has(id));
    if (missing.length > 0) problems.add(path, unknown(`${partnerType} partner tag`, 'id(s)', missing));
  }
}

/**
 * The caller's tags (the partner's and `moreTags`, e.g. each contact's), stage (by uuid), tier,
 * category and assigned users for a partnership of `partnerType`. Problems are added in this
 * fixed order, so the same body always gets the same 400.
 */
export function classify(
  facts: ReferenceFacts,
  partnerType: PartnerType,
  input: ClassificationInput,
  problems: FieldProblems,
  moreTags: { path: Path; ids: readonly number[] | undefined }[] = [],
): Classification {
  const out: Classification = {};
  checkPartnerTags(facts, partnerType, [{ path: ['tags'], ids: input.tags }, ...moreTags], problems);
  if (input.tags) out.tags = pickTags(facts, input.tags);

  if (input.stageUuid !== undefined) {
    if (input.stageUuid === null) out.stage = null;
    else if (facts.stage?.uuid.toLowerCase() === input.stageUuid.toLowerCase()) out.stage = facts.stage;
    else problems.add(['stageUuid'], unknown(`${partnerType} partner stage`, 'uuid', [input.stageUuid]));
  }
  if (input.tierId !== undefined) {
    const { tierId: id } = input;
    if (id === null || facts.tier?.id === id) out.tier = id === null ? null : facts.tier;
    else problems.add(['tierId'], unknown(`${partnerType} tier`, 'id(s)', [id]));
  }
  if (input.categoryId !== undefined) {
    const { categoryId: id } = input;
    if (id === null || facts.category?.id === id) out.category = id === null ? null : facts.category;
    else problems.add(['categoryId'], unknown(`${partnerType} category`, 'id(s)', [id]));
  }

  if (input.assignedUsers) {
    const active = new Set(facts.users.map((u) => u.id));
    input.assignedUsers.forEach((id, i) => {
      if (!active.has(id)) problems.add(['assignedUsers', i], `no active user with id ${id} in your company`);
    });
    out.users = facts.users.filter((u) => input.assignedUsers!.includes(u.id));
  }
  return out;
}
