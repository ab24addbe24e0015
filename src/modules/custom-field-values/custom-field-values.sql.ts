import { SQL, sql } from 'drizzle-orm';
import type { CustomFieldEntity, PartnerType } from '../../db/schema/index.js';
import type { CheckedValues, CustomFieldCategory, CustomFieldFacts } from './custom-field-values.rules.js';

// The engine's SQL pieces for `facts → rules → write` commands: `customFieldFacts` goes into
// the caller's facts statement (what the pure check needs), `customFieldValuesWrite` into its
// write statement (data-modifying CTEs storing the checked values on one entity).

/** A number, or an expression of the surrounding statement (a column, a subquery). */
type Value<T> = T | SQL;

export interface CustomFieldScope {
  /** Whose fields: a value, or an expression (the partner company of a partnership). */
  companyId: Value<number>;
  category: CustomFieldCategory;
  /** The entity's partner type (a field for the other type does not apply); null: any. */
  partnerType?: Value<PartnerType | null> | undefined;
  /** The field ids the input names. */
  ids: readonly number[];
  /** On update, the entity: its stored values count for `required`. */
  entityId?: Value<number> | undefined;
}

const expr = (v: Value<unknown> | undefined): SQL => (v instanceof SQL ? v : sql`${v ?? null}`);

/**
 * A JSON expression (`CustomFieldFacts`) for the caller's facts statement:
 * `SELECT …, ${customFieldFacts({companyId, category: 'lead', ids})} AS fields FROM …`.
 * Parsed by pg into the object `checkCustomFieldInput` takes.
 */
export function customFieldFacts(scope: CustomFieldScope): SQL<CustomFieldFacts> {
  const company = expr(scope.companyId);
  const partnerType = expr(scope.partnerType);
  const definitions =
    scope.ids.length === 0
      ? sql`'[]'::json`
      : sql`(SELECT coalesce(json_agg(json_build_object('id', f.id, 'label', f.label, 'type', f.type,
            'category', f.category, 'partner_type', f.partner_type, 'required', f.required,
            'optionIds', (SELECT coalesce(json_agg(o.id ORDER BY o.id), '[]')
              FROM custom_field_options o WHERE o.custom_field_id = f.id))), '[]')
          FROM custom_fields f
          WHERE f.company_id = ${company} AND f.id = ANY(${sql.param([...new Set(scope.ids)])}::int[]))`;
  const stored =
    scope.entityId === undefined
      ? sql`false`
      : sql`EXISTS (SELECT 1 FROM custom_field_values v WHERE v.entity_type = ${scope.category}
          AND v.entity_id = ${expr(scope.entityId)} AND v.custom_field_id = f.id)`;
  return sql<CustomFieldFacts>`json_build_object('definitions', ${definitions},
    'required', (SELECT coalesce(json_agg(json_build_object('id', f.id, 'label', f.label, 'stored', ${stored})
        ORDER BY f.id), '[]')
      FROM custom_fields f
      WHERE f.company_id = ${company} AND f.category = ${scope.category} AND f.required
        AND (${partnerType}::text IS NULL OR f.partner_type IS NULL OR f.partner_type = ${partnerType}::text)))`;
}

export interface CustomFieldValuesWrite {
  /** Names the CTEs: `<name>_set`, `<name>_clear`. */
  name: string;
  companyId: Value<number>;
  category: CustomFieldEntity;
  /**
   * The entity: usually a sibling CTE's output (`(SELECT id FROM lead)`) or a pre-allocated id.
   * NULL (the sibling wrote no row: a guard failed) writes nothing.
   */
  entityId: Value<number>;
  checked: CheckedValues;
  /** The entity is inserted by this statement: it has no stored values to keep. */
  isNew?: boolean | undefined;
}

export interface CustomFieldValuesCtes {
  /** Data-modifying CTEs for the write statement's WITH list (none when nothing changes). */
  ctes: SQL[];
  /**
   * A subquery of the entity's values once the statement is done, `(id, uuid, custom_field_id,
   * value)`: the rows upserted (from RETURNING) and the stored ones left alone, as an event
   * payload needs them (CTEs share one snapshot: the table itself still shows the old values).
   */
  after: SQL;
}

/**
 * Stores checked values on one entity inside the caller's write statement: upserts `set`,
 * deletes `clear`. `WITH lead AS (INSERT …), ${sql.join(ctes, sql`, `)}, … SELECT … FROM ${after} v`.
 */
export function customFieldValuesWrite(w: CustomFieldValuesWrite): CustomFieldValuesCtes {
  const company = sql`${expr(w.companyId)}::int`;
  const entity = sql`${expr(w.entityId)}::int`;
  const category = sql`${w.category}::text`;
  const setName = sql.identifier(`${w.name}_set`);
  const ctes: SQL[] = [];
  if (w.checked.set.length > 0) {
    const rows = JSON.stringify(w.checked.set.map(({ fieldId, value }) => ({ field_id: fieldId, value })));
    ctes.push(sql`${setName} AS (
      INSERT INTO custom_field_values (company_id, custom_field_id, entity_type, entity_id, value)
      SELECT ${company}, x.field_id, ${category}, ${entity}, x.value
      FROM jsonb_to_recordset(${rows}::jsonb) AS x(field_id int, value jsonb)
      WHERE ${entity} IS NOT NULL
      ON CONFLICT (entity_type, entity_id, custom_field_id)
        DO UPDATE SET value = excluded.value, updated_at = now()
      RETURNING id, uuid, custom_field_id, value)`);
  }
  if (w.checked.clear.length > 0 && !w.isNew) {
    ctes.push(sql`${sql.identifier(`${w.name}_clear`)} AS (
      DELETE FROM custom_field_values
      WHERE entity_type = ${category} AND entity_id = ${entity}
        AND custom_field_id = ANY(${sql.param(w.checked.clear)}::int[])
      RETURNING custom_field_id)`);
  }
  const parts: SQL[] = [];
  if (w.checked.set.length > 0) parts.push(sql`SELECT id, uuid, custom_field_id, value FROM ${setName}`);
  if (!w.isNew) {
    const touched = [...w.checked.set.map((s) => s.fieldId), ...w.checked.clear];
    parts.push(sql`SELECT v.id, v.uuid, v.custom_field_id, v.value FROM custom_field_values v
      WHERE v.entity_type = ${category} AND v.entity_id = ${entity} AND v.company_id = ${company}
        AND v.custom_field_id <> ALL(${sql.param(touched)}::int[])`);
  }
  const after =
    parts.length === 0
      ? sql`(SELECT NULL::int AS id, NULL::uuid AS uuid, NULL::int AS custom_field_id, NULL::jsonb AS value WHERE false)`
      : sql`(${sql.join(parts, sql` UNION ALL `)})`;
  return { ctes, after };
}
