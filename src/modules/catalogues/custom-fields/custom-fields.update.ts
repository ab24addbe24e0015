import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../../../core/errors.js';
import type { Db } from '../../../db/database.js';
import { rowOf } from '../../../db/rows.js';
import { customFields } from '../../../db/schema/index.js';
import { assertUnchanged, updatePlan } from '../catalogue.rules.js';
import {
  type CustomFieldDefinition,
  type CustomFieldRow,
  choosesOption,
  labelTakenColumn,
  type OptionOut,
  optionsColumn,
} from './custom-fields.repository.js';
import {
  OPTION_TYPES,
  OPTIONS_FORBIDDEN,
  type OptionInput,
  type UpdateCustomFieldInput,
} from './custom-fields.schemas.js';

// PATCH /v1/custom-fields/{id} with `options`: facts → rules → write. (Without options it is a
// plain catalogue update: one guarded UPDATE, see CatalogueService.update.)

export const IMMUTABLE = ['type', 'category'] as const;

export const duplicateMessage = (field: Pick<CustomFieldRow, 'label' | 'category'>) =>
  `A custom field with label '${field.label}' already exists for category '${field.category}'`;

/** The definition as stored, its options in order, and whether the label sent is another's. */
export type Facts = (CustomFieldRow & { options: OptionOut[] | null; label_taken: boolean }) | undefined;

export function facts(db: Db, companyId: number, id: number, label: string | undefined): Promise<Facts> {
  return db
    .select({
      ...getTableColumns(customFields),
      options: optionsColumn,
      label_taken: labelTakenColumn(label),
    })
    .from(customFields)
    .where(and(eq(customFields.company_id, companyId), eq(customFields.id, id)))
    .then(([row]) => row);
}

export interface Plan {
  id: number;
  /** The definition's own fields that change (its `updated_at` always does). */
  changes: Record<string, unknown>;
  /** Options that stay (by id), with their label and position. */
  kept: { id: number; label: string; series: number }[];
  added: { label: string; series: number }[];
  /** Options left out, in their stored order: removed unless a stored value uses one. */
  removed: OptionOut[];
}

/**
 * Checks, in the order the API always reported them: the definition exists (404), `type` and
 * `category` are repeated unchanged (400), the new label is not another's (409), the field has
 * options (400), and each option id sent is one of them (400). Then makes `input.options` the
 * list: ids stay stable (an entry with an id, or without one but with an existing label, keeps
 * that option), new labels are added, options left out are removed.
 */
export function rules(current: Facts, input: UpdateCustomFieldInput): Plan {
  if (!current) throw notFound('Custom field');
  const { options, ...values } = input;
  const wanted: OptionInput[] = options ?? [];
  const { repeated, changes } = updatePlan(values, IMMUTABLE);
  assertUnchanged(repeated, current);
  if (changes.label !== undefined && current.label_taken) {
    throw conflict(duplicateMessage({ ...current, label: changes.label as string }));
  }
  if (!OPTION_TYPES.has(current.type)) {
    throw badRequest(`Invalid field 'options': ${OPTIONS_FORBIDDEN}`, [
      { path: 'options', message: OPTIONS_FORBIDDEN },
    ]);
  }
  const existing = current.options ?? [];
  const kept = new Set<number>();
  wanted.forEach((option, i) => {
    if (option.id === undefined) return;
    if (!existing.some((e) => e.id === option.id)) {
      const message = `is not an option of this custom field: ${option.id}`;
      throw badRequest(`Invalid field 'options[${i}].id': ${message}`, [
        { path: `options[${i}].id`, message },
      ]);
    }
    kept.add(option.id);
  });
  const matched = wanted.map((option) => {
    const id =
      option.id ??
      existing.find((e) => !kept.has(e.id) && e.label.toLowerCase() === option.label.toLowerCase())?.id;
    if (id !== undefined) kept.add(id);
    return { id, label: option.label };
  });
  const plan: Plan = { id: current.id, changes, kept: [], added: [], removed: [] };
  matched.forEach(({ id, label }, i) => {
    if (id === undefined) plan.added.push({ label, series: i + 1 });
    else plan.kept.push({ id, label, series: i + 1 });
  });
  plan.removed = existing.filter((e) => !kept.has(e.id));
  return plan;
}

/** What the write did: the definition with its new options, or (nothing written) why not. */
export interface Written {
  field: CustomFieldDefinition | undefined;
  /** Removed options that stored values use: the write changed nothing. */
  inUse: { id: number; uses: number }[];
}

/**
 * One statement: unless a stored value uses an option to remove (counted in the same snapshot
 * as the write), the definition's fields, the removals, the relabelled and renumbered options
 * and the new ones. The options returned are what the statement wrote.
 */
export async function write(db: Db, companyId: number, plan: Plan): Promise<Written> {
  const removedIds = plan.removed.map((o) => o.id);
  const field = db
    .update(customFields)
    .set({ ...(plan.changes as Partial<CustomFieldRow>), updated_at: sql`now()` })
    .where(
      and(
        eq(customFields.company_id, companyId),
        eq(customFields.id, plan.id),
        sql`NOT EXISTS (SELECT 1 FROM in_use)`,
      ),
    )
    .returning();
  const { rows } = await db.execute<
    Record<string, unknown> & { options: OptionOut[] | null; in_use: Written['inUse'] | null }
  >(sql`
    WITH in_use AS (
      SELECT o.id, count(*)::int AS uses
      FROM custom_field_options o JOIN custom_field_values v ON ${choosesOption}
      WHERE o.custom_field_id = ${plan.id} AND o.id = ANY(${sql.param(removedIds)}::int[])
      GROUP BY o.id),
    field AS (${field.getSQL()}),
    removed AS (
      DELETE FROM custom_field_options o USING field
      WHERE o.custom_field_id = field.id AND o.id = ANY(${sql.param(removedIds)}::int[])),
    kept AS (
      UPDATE custom_field_options o SET label = k.label, series = k.series
      FROM field, jsonb_to_recordset(${JSON.stringify(plan.kept)}::jsonb) AS k(id int, label text, series int)
      WHERE o.custom_field_id = field.id AND o.id = k.id
      RETURNING o.id, o.label, o.series),
    added AS (
      INSERT INTO custom_field_options (custom_field_id, label, series)
      SELECT field.id, a.label, a.series
      FROM field, jsonb_to_recordset(${JSON.stringify(plan.added)}::jsonb) AS a(label text, series int)
      RETURNING id, label, series)
    SELECT field.*,
      (SELECT coalesce(json_agg(json_build_object('id', id, 'label', label) ORDER BY series, id), '[]')
       FROM (SELECT * FROM kept UNION ALL SELECT * FROM added) AS o) AS options,
      (SELECT json_agg(in_use) FROM in_use) AS in_use
    FROM (SELECT 1) AS one LEFT JOIN field ON true`);
  const [result] = rows;
  return {
    field: result?.id == null ? undefined : { ...rowOf(customFields, result), options: result.options },
    inUse: result?.in_use ?? [],
  };
}

/** The written definition, or the error of a write that changed nothing. */
export function outcome(plan: Plan, written: Written): CustomFieldDefinition {
  if (written.field) return written.field;
  const used = plan.removed.find((option) => written.inUse.some((u) => u.id === option.id));
  if (!used) throw notFound('Custom field');
  const uses = written.inUse.find((u) => u.id === used.id)!.uses;
  throw conflict(`Option "${used.label}" is in use by ${uses} value(s) and cannot be removed`);
}
