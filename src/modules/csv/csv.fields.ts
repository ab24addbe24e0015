import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import type { CustomFieldType } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import type { CustomFieldCategory, StoredValue } from '../custom-field-values/index.js';
import { LIST_SEPARATOR } from './csv.format.js';

// A company's custom field definitions of one category, as CSV columns: named by their label,
// select options written (and read) by their label.

export interface ColumnField {
  id: number;
  label: string;
  type: CustomFieldType;
  partner_type: string | null;
  required: boolean;
  options: { id: number; label: string }[];
}

/** The company's fields of the category, oldest first, with their options in order. */
export async function columnFields(
  db: Db,
  companyId: number,
  category: CustomFieldCategory,
): Promise<ColumnField[]> {
  return queryRows<ColumnField>(
    db,
    sql`SELECT f.id, f.label, f.type, f.partner_type, f.required,
        (SELECT coalesce(json_agg(json_build_object('id', o.id, 'label', o.label) ORDER BY o.series, o.id), '[]')
          FROM custom_field_options o WHERE o.custom_field_id = f.id) AS options
      FROM custom_fields f WHERE f.company_id = ${companyId} AND f.category = ${category}
      ORDER BY f.id`,
  );
}

/** A stored value as cell text: the option labels of select fields, the plain value otherwise. */
export function valueText(field: ColumnField, value: StoredValue | null | undefined): string | number {
  if (!value) return '';
  const label = (id: unknown) => field.options.find((o) => o.id === id)?.label ?? String(id);
  if ('select' in value) return label(value.select);
  if ('multi_select' in value) return value.multi_select.map(label).join(LIST_SEPARATOR);
  if ('number' in value) return value.number;
  if ('boolean' in value) return value.boolean ? 'true' : 'false';
  if ('date' in value) return value.date;
  return value.text;
}
