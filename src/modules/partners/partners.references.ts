import { and, eq, isNull, or } from 'drizzle-orm';
import type { FieldProblems } from '../../core/field-problems.js';
import { formatPath } from '../../core/validation.js';
import type { Executor } from '../../db/database.js';
import { categories, type PartnerType, stages, tags, tiers } from '../../db/schema/index.js';
import { assertOwned, resolveOwnedUuid } from '../catalogues/index.js';
import { partnersRepository as repo } from './partners.repository.js';

// Checks that the ids a request names are the caller's and fit the partnership's type. The
// catalogue module's ownership helpers answer for tags, tiers, categories and stages; their
// 400s are collected with the body's other problems so one response names every mistake.

type Path = readonly PropertyKey[];

/** A catalogue entry with a partner type of its own applies to that type only. */
const appliesTo = (
  table: typeof tags | typeof tiers | typeof categories | typeof stages,
  type: PartnerType,
) => or(isNull(table.partner_type), eq(table.partner_type, type));

/** Partner tags of the company for a partnership of `partnerType`: the partner's, each contact's. */
export async function checkPartnerTags(
  db: Executor,
  companyId: number,
  partnerType: PartnerType,
  lists: { path: Path; ids: readonly number[] | undefined }[],
  problems: FieldProblems,
): Promise<void> {
  const where = and(eq(tags.association, 'partner'), appliesTo(tags, partnerType));
  for (const { path, ids } of lists) {
    if (!ids?.length) continue;
    const options = { where, noun: `${partnerType} partner tag` };
    await problems.collect(assertOwned(db, tags, companyId, ids, formatPath(path), options));
  }
}

export interface ClassificationInput {
  stageUuid?: string | null | undefined;
  tierId?: number | null | undefined;
  categoryId?: number | null | undefined;
  assignedUsers?: number[] | undefined;
  tags?: number[] | undefined;
}

/** Column values for what the input sets: undefined keys are left alone, null clears. */
export interface Classification {
  stage_id?: number | null;
  tier_id?: number | null;
  category_id?: number | null;
}

/**
 * The caller's tags (the partner's and `moreTags`, e.g. each contact's), stage (by uuid),
 * tier, category and assigned users for a partnership of `partnerType`. Problems are added in
 * this fixed order, so the same body always gets the same 400.
 */
export async function checkClassification(
  db: Executor,
  companyId: number,
  partnerType: PartnerType,
  input: ClassificationInput,
  problems: FieldProblems,
  moreTags: { path: Path; ids: readonly number[] | undefined }[] = [],
): Promise<Classification> {
  const out: Classification = {};
  await checkPartnerTags(
    db,
    companyId,
    partnerType,
    [{ path: ['tags'], ids: input.tags }, ...moreTags],
    problems,
  );

  if (input.stageUuid !== undefined) {
    const stageWhere = and(eq(stages.pipeline, 'partner'), appliesTo(stages, partnerType));
    out.stage_id =
      input.stageUuid === null
        ? null
        : await problems.collect(
            resolveOwnedUuid(db, stages, companyId, input.stageUuid, 'stageUuid', {
              where: stageWhere,
              noun: `${partnerType} partner stage`,
            }),
          );
  }
  const classifiers = [
    ['tierId', tiers, input.tierId, 'tier_id', 'tier'],
    ['categoryId', categories, input.categoryId, 'category_id', 'category'],
  ] as const;
  for (const [field, table, id, column, noun] of classifiers) {
    if (id === undefined) continue;
    out[column] = id;
    if (id === null) continue;
    const options = { where: appliesTo(table, partnerType), noun: `${partnerType} ${noun}` };
    await problems.collect(assertOwned(db, table, companyId, [id], field, options));
  }

  const active = new Set(await repo.activeUserIds(db, companyId, input.assignedUsers ?? []));
  input.assignedUsers?.forEach((id, i) => {
    if (!active.has(id)) problems.add(['assignedUsers', i], `no active user with id ${id} in your company`);
  });
  return out;
}
