import { type SQL, sql } from 'drizzle-orm';
import { customFieldOptions, customFields } from '../../../db/schema/index.js';
import type { Row } from '../catalogue.repository.js';
import { OPTION_TYPES } from './custom-fields.schemas.js';

export type CustomFieldRow = Row<typeof customFields>;
export type OptionOut = { id: number; label: string };
/** A definition as the API returns it: with its options (null unless a select type). */
export type CustomFieldDefinition = CustomFieldRow & { options: OptionOut[] | null };

// Columns are named through the table here (`"custom_fields".id`), never as column objects: Drizzle
// writes those unqualified in a one-table query, and inside a subquery over another table an
// unqualified `id` would be that table's.
const optionTypes = sql.join(
  [...OPTION_TYPES].map((type) => sql`${type}`),
  sql`, `,
);

/**
 * A definition's options, in order, read with the definition itself (a column of its SELECT,
 * or of an UPDATE's RETURNING): a list for the select types, null for the others.
 */
export const optionsColumn: SQL<OptionOut[] | null> = sql<OptionOut[] | null>`CASE
  WHEN ${customFields}.type IN (${optionTypes}) THEN coalesce(
    (SELECT json_agg(json_build_object('id', o.id, 'label', o.label) ORDER BY o.series, o.id)
     FROM ${customFieldOptions} o WHERE o.custom_field_id = ${customFields}.id),
    '[]'::json)
  END`;

/**
 * Whether another definition of the same company and category has `label` (case-insensitively,
 * as the unique index compares): false when no label is sent.
 */
export const labelTakenColumn = (label: string | undefined): SQL<boolean> =>
  label === undefined
    ? sql<boolean>`false`
    : sql<boolean>`EXISTS (
        SELECT 1 FROM ${customFields} other
        WHERE other.company_id = ${customFields}.company_id AND other.category = ${customFields}.category
          AND lower(other.label) = lower(${label}) AND other.id <> ${customFields}.id)`;

/**
 * Stored values choosing option `o.id` of field `o.custom_field_id` (`{"select": id}` or
 * `{"multi_select": [… id …]}`), as the join condition of `custom_field_values v`.
 */
export const choosesOption = sql`v.custom_field_id = o.custom_field_id
  AND (v.value -> 'select' = to_jsonb(o.id) OR v.value -> 'multi_select' @> jsonb_build_array(o.id))`;
