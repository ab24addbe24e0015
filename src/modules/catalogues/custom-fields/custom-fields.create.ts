import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { rowOf } from '../../../db/rows.js';
import { customFields } from '../../../db/schema/index.js';
import type { CustomFieldDefinition, OptionOut } from './custom-fields.repository.js';
import { type CreateCustomFieldInput, OPTION_TYPES } from './custom-fields.schemas.js';

// POST /v1/custom-fields: the body's schema holds every rule (options required for the select
// types, forbidden for the others; labels listed once), so the command is its write.

/** The definition and its options (numbered in the order sent) in one statement. */
export async function write(
  db: Db,
  companyId: number,
  input: CreateCustomFieldInput,
): Promise<CustomFieldDefinition> {
  const { options, ...values } = input;
  const numbered = (options ?? []).map((option, i) => ({ label: option.label, series: i + 1 }));
  const field = db
    .insert(customFields)
    .values({ ...values, company_id: companyId })
    .returning();
  const { rows } = await db.execute<Record<string, unknown> & { options: OptionOut[] | null }>(sql`
    WITH field AS (${field.getSQL()}),
    added AS (
      INSERT INTO custom_field_options (custom_field_id, label, series)
      SELECT field.id, o.label, o.series
      FROM field, jsonb_to_recordset(${JSON.stringify(numbered)}::jsonb) AS o(label text, series int)
      RETURNING id, label, series)
    SELECT field.*,
      (SELECT json_agg(json_build_object('id', id, 'label', label) ORDER BY series, id) FROM added) AS options
    FROM field`);
  const row = rowOf(customFields, rows[0]!);
  return { ...row, options: OPTION_TYPES.has(row.type) ? (rows[0]!.options ?? []) : null };
}
