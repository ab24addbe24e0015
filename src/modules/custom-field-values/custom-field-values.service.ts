import { sql } from 'drizzle-orm';
import type { FieldProblems } from '../../core/field-problems.js';
import type { Executor } from '../../db/database.js';
import { customFieldValuesRepository as repo } from './custom-field-values.repository.js';
import {
  type CheckedValues,
  type CustomFieldCategory,
  type CustomFieldFacts,
  type CustomFieldTarget,
  checkCustomFieldInput,
} from './custom-field-values.rules.js';
import type {
  CustomFieldValue,
  CustomFieldValueInputItem,
  StoredValue,
} from './custom-field-values.schemas.js';
import { customFieldFacts } from './custom-field-values.sql.js';

// The custom field value engine for code that still reads and writes in several statements:
// `checkCustomFieldValues` reads the facts itself (one query) and runs the pure check;
// `saveCustomFieldValues` stores in the caller's transaction. A `facts → rules → write` command
// uses the pieces instead: `customFieldFacts` in its facts statement, `checkCustomFieldInput`
// in its rules, `customFieldValuesWrite` in its write statement.

export type { CustomFieldCategory };

export interface CheckOptions {
  /** Where the array sits in the request body, for error paths: `['customFields']`. */
  path: readonly PropertyKey[];
  problems: FieldProblems;
  /** The entity being updated; absent on create. Its stored values count for `required`. */
  entityId?: number | undefined;
}

/**
 * Checks every item against the company's definitions, adding each mistake to `problems`
 * under `<path>[i].customFieldId | type | value`, and the required fields left empty under
 * `<path>`. On create every required field must be given; on update (`entityId`) a required
 * field must end up with a value, counting the values already stored.
 */
export async function checkCustomFieldValues(
  db: Executor,
  target: CustomFieldTarget,
  input: readonly CustomFieldValueInputItem[],
  opts: CheckOptions,
): Promise<CheckedValues> {
  const facts = customFieldFacts({
    companyId: target.companyId,
    category: target.category,
    partnerType: target.partnerType ?? null,
    ids: input.map((item) => item.customFieldId),
    entityId: opts.entityId,
  });
  const { rows } = await db.execute<{ facts: CustomFieldFacts }>(sql`SELECT ${facts} AS facts`);
  return checkCustomFieldInput(rows[0]!.facts, target, input, opts);
}

/** Stores checked values on one entity (upserting), in the caller's transaction. */
export async function saveCustomFieldValues(
  db: Executor,
  target: CustomFieldTarget,
  entityId: number,
  checked: CheckedValues,
): Promise<void> {
  await repo.remove(db, target.category, [entityId], checked.clear);
  await repo.upsert(
    db,
    checked.set.map(({ fieldId, value }) => ({
      company_id: target.companyId,
      custom_field_id: fieldId,
      entity_type: target.category,
      entity_id: entityId,
      value,
    })),
  );
}

/** Removes every value of the given entities (their rows are about to go). */
export function removeCustomFieldValues(
  db: Executor,
  category: CustomFieldCategory,
  entityIds: number[],
): Promise<void> {
  return repo.remove(db, category, entityIds);
}

/** The values of many entities, read in one query: entity id → values, ordered by field. */
export async function customFieldValuesFor(
  db: Executor,
  companyId: number,
  category: CustomFieldCategory,
  entityIds: number[],
): Promise<Map<number, CustomFieldValue[]>> {
  const byEntity = new Map<number, CustomFieldValue[]>();
  for (const { entityId, value, ...rest } of await repo.valuesFor(db, companyId, category, entityIds)) {
    const list = byEntity.get(entityId) ?? [];
    list.push({ ...rest, value: value as StoredValue });
    byEntity.set(entityId, list);
  }
  return byEntity;
}
