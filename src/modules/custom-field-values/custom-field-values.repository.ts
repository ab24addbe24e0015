import { and, asc, type Column, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { type CustomFieldEntity, customFields, customFieldValues } from '../../db/schema/index.js';

export const customFieldValuesRepository = {
  async upsert(
    db: Executor,
    rows: {
      company_id: number;
      custom_field_id: number;
      entity_type: CustomFieldEntity;
      entity_id: number;
      value: unknown;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await db
      .insert(customFieldValues)
      .values(rows)
      .onConflictDoUpdate({
        target: [
          customFieldValues.entity_type,
          customFieldValues.entity_id,
          customFieldValues.custom_field_id,
        ],
        set: { value: sql`excluded.value`, updated_at: sql`now()` },
      });
  },

  async remove(
    db: Executor,
    entityType: CustomFieldEntity,
    entityIds: number[],
    fieldIds?: number[],
  ): Promise<void> {
    if (entityIds.length === 0 || fieldIds?.length === 0) return;
    await db
      .delete(customFieldValues)
      .where(
        and(
          eq(customFieldValues.entity_type, entityType),
          inArray(customFieldValues.entity_id, entityIds),
          fieldIds ? inArray(customFieldValues.custom_field_id, fieldIds) : undefined,
        ),
      );
  },

  /**
   * One entity's values as a JSON array in the `valuesFor` shape (without `entityId`), for a
   * read that fetches an entity and its values in one statement. `entityId` and `companyId`
   * are usually the outer query's columns.
   */
  valuesJson(entityType: CustomFieldEntity, companyId: Column | SQL, entityId: Column | SQL): SQL<unknown[]> {
    return sql`(SELECT coalesce(json_agg(json_build_object('id', f.id, 'label', f.label, 'type', f.type,
        'value', v.value, 'custom_field_value_id', v.id) ORDER BY f.id), '[]')
      FROM ${customFieldValues} v JOIN ${customFields} f ON f.id = v.custom_field_id
      WHERE v.entity_type = ${entityType} AND v.entity_id = ${entityId} AND v.company_id = ${companyId})`;
  },

  /** Every value of the given entities, with its field's label and type, in one query. */
  async valuesFor(db: Executor, companyId: number, entityType: CustomFieldEntity, entityIds: number[]) {
    if (entityIds.length === 0) return [];
    return db
      .select({
        entityId: customFieldValues.entity_id,
        id: customFields.id,
        label: customFields.label,
        type: customFields.type,
        value: customFieldValues.value,
        custom_field_value_id: customFieldValues.id,
      })
      .from(customFieldValues)
      .innerJoin(customFields, eq(customFields.id, customFieldValues.custom_field_id))
      .where(
        and(
          eq(customFieldValues.company_id, companyId),
          eq(customFieldValues.entity_type, entityType),
          inArray(customFieldValues.entity_id, entityIds),
        ),
      )
      .orderBy(asc(customFieldValues.entity_id), asc(customFields.id));
  },
};
