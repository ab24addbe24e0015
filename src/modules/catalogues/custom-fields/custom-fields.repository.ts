import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../db/database.js';
import { customFieldOptions, customFieldValues } from '../../../db/schema/index.js';

export type OptionRow = typeof customFieldOptions.$inferSelect;

export const customFieldsRepository = {
  /** The options of these fields, each field's in order. */
  async options(db: Executor, fieldIds: readonly number[]): Promise<OptionRow[]> {
    if (fieldIds.length === 0) return [];
    return db
      .select()
      .from(customFieldOptions)
      .where(inArray(customFieldOptions.custom_field_id, [...fieldIds]))
      .orderBy(asc(customFieldOptions.series), asc(customFieldOptions.id));
  },

  async insertOptions(db: Executor, fieldId: number, options: { label: string; series: number }[]) {
    if (options.length === 0) return;
    await db.insert(customFieldOptions).values(options.map((o) => ({ ...o, custom_field_id: fieldId })));
  },

  async updateOption(db: Executor, fieldId: number, id: number, values: { label: string; series: number }) {
    await db
      .update(customFieldOptions)
      .set(values)
      .where(and(eq(customFieldOptions.id, id), eq(customFieldOptions.custom_field_id, fieldId)));
  },

  async deleteOptions(db: Executor, fieldId: number, ids: readonly number[]) {
    if (ids.length === 0) return;
    await db
      .delete(customFieldOptions)
      .where(and(eq(customFieldOptions.custom_field_id, fieldId), inArray(customFieldOptions.id, [...ids])));
  },

  /** Stored values choosing this option: `{"select": id}` or `{"multi_select": [… id …]}`. */
  async countOptionUses(db: Executor, fieldId: number, optionId: number): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(customFieldValues)
      .where(
        and(
          eq(customFieldValues.custom_field_id, fieldId),
          sql`(${customFieldValues.value} -> 'select' = to_jsonb(${optionId}::int)
            OR ${customFieldValues.value} -> 'multi_select' @> jsonb_build_array(${optionId}::int))`,
        ),
      );
    return row?.n ?? 0;
  },
};
