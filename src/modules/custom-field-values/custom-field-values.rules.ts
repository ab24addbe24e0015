import type { FieldProblems } from '../../core/field-problems.js';
import type { CustomFieldType, customFields, PartnerType } from '../../db/schema/index.js';
import { type CustomFieldValueInputItem, StoredValue, VALUE_KEY } from './custom-field-values.schemas.js';

// The checks of `[{customFieldId, type, value}]` against field definitions: pure, no database.
// The definitions come from `customFieldFacts` (custom-field-values.sql.ts), read by the
// caller's facts statement.

export type CustomFieldCategory = (typeof customFields.$inferSelect)['category'];

export interface FieldDefinition {
  id: number;
  label: string;
  type: CustomFieldType;
  category: CustomFieldCategory;
  partner_type: PartnerType | null;
  required: boolean;
  optionIds: number[];
}

/** What `checkCustomFieldInput` needs, as `customFieldFacts` (custom-field-values.sql.ts) reads it. */
export interface CustomFieldFacts {
  /** The company's fields among the ids the input names (any category), with their options. */
  definitions: FieldDefinition[];
  /** The required fields of the category that apply to the partner type, ordered by id. */
  required: { id: number; label: string; stored: boolean }[];
}

export interface CustomFieldTarget {
  companyId: number;
  category: CustomFieldCategory;
  /** The entity's partner type: a field for the other partner type does not apply to it. */
  partnerType?: PartnerType | null | undefined;
  /** Whose fields these are, in messages: `your company` unless values go to another company. */
  owner?: string | undefined;
}

/** Values that passed the checks: what to store and which stored values to remove. */
export interface CheckedValues {
  set: { fieldId: number; value: StoredValue }[];
  clear: number[];
}

export const NO_VALUES: CheckedValues = Object.freeze({ set: [], clear: [] }) as CheckedValues;

export interface CheckInput {
  /** Where the array sits in the request body, for error paths: `['customFields']`. */
  path: readonly PropertyKey[];
  problems: FieldProblems;
}

const TEXT_LIMIT = { text: 1_000, textarea: 10_000 } as const;

const SHAPE: Record<CustomFieldType, string> = {
  text: `{"text": "<at most ${TEXT_LIMIT.text} characters>"}`,
  textarea: `{"text": "<at most ${TEXT_LIMIT.textarea} characters>"}`,
  number: '{"number": <finite number>}',
  date: '{"date": "YYYY-MM-DD"} with a real calendar date',
  boolean: '{"boolean": true or false}',
  select: '{"select": <option id>}',
  multi_select: '{"multi_select": [<option id>, …]}',
};

const isOptionId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

function isCalendarDate(v: unknown): boolean {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

function fitsType(type: CustomFieldType, inner: unknown): boolean {
  switch (type) {
    case 'text':
    case 'textarea':
      return typeof inner === 'string' && inner.length <= TEXT_LIMIT[type];
    case 'number':
      return typeof inner === 'number' && Number.isFinite(inner);
    case 'date':
      return isCalendarDate(inner);
    case 'boolean':
      return typeof inner === 'boolean';
    case 'select':
      return isOptionId(inner);
    case 'multi_select':
      return Array.isArray(inner) && inner.length <= 100 && inner.every(isOptionId);
  }
}

const isEmpty = (value: StoredValue) =>
  ('text' in value && value.text.trim() === '') ||
  ('multi_select' in value && value.multi_select.length === 0);

/** What is wrong with `value` for `field`, or undefined when it fits. */
function valueProblem(field: FieldDefinition, value: Record<string, unknown>): string | undefined {
  const key = VALUE_KEY[field.type];
  const keys = Object.keys(value);
  const shape = `'${field.label}' is a ${field.type} field: value must be ${SHAPE[field.type]}`;
  if (keys.length !== 1 || keys[0] !== key || !fitsType(field.type, value[key])) return shape;
  const options = new Set(field.optionIds);
  if (field.type === 'select' && !options.has(value.select as number)) {
    return `'${field.label}' has no option ${String(value.select)}`;
  }
  if (field.type === 'multi_select') {
    const ids = value.multi_select as number[];
    const seen = new Set<number>();
    for (const id of ids) {
      if (!options.has(id)) return `'${field.label}' has no option ${id}`;
      if (seen.has(id)) return `'${field.label}' lists option ${id} more than once`;
      seen.add(id);
    }
  }
  return undefined;
}

type ItemOutcome =
  | { problem: string; at: 'customFieldId' | 'type' | 'value' }
  | { value: StoredValue | null }; // null: remove the stored value

/** What to do with one item, given its field's definition (undefined: not the company's). */
function checkItem(
  item: CustomFieldValueInputItem,
  field: FieldDefinition | undefined,
  target: Omit<CustomFieldTarget, 'companyId'>,
): ItemOutcome {
  const { category, partnerType } = target;
  if (!field) {
    return {
      at: 'customFieldId',
      problem: `no ${category} custom field with id ${item.customFieldId} in ${target.owner ?? 'your company'}`,
    };
  }
  const name = `'${field.label}'`;
  if (field.category !== category) {
    return { at: 'customFieldId', problem: `${name} is a ${field.category} field, not a ${category} field` };
  }
  if (partnerType && field.partner_type && field.partner_type !== partnerType) {
    return { at: 'customFieldId', problem: `${name} applies to ${field.partner_type} partners only` };
  }
  if (item.type !== field.type) {
    return { at: 'type', problem: `${name} is a ${field.type} field, not ${item.type}` };
  }
  if (item.value === null) {
    return field.required
      ? { at: 'value', problem: `${name} is required and cannot be removed` }
      : { value: null };
  }
  const problem = valueProblem(field, item.value);
  if (problem) return { at: 'value', problem };
  const value = StoredValue.parse(item.value);
  if (field.required && isEmpty(value))
    return { at: 'value', problem: `${name} is required and cannot be empty` };
  return { value };
}

/**
 * Checks every item against the definitions in `facts` (from `customFieldFacts`), adding each
 * mistake to `problems` under `<path>[i].customFieldId | type | value`, and the required fields
 * left empty under `<path>`. A required field must end up with a value: given now, or (on
 * update, when the facts were read with the entity) already stored. Pure.
 */
export function checkCustomFieldInput(
  facts: CustomFieldFacts,
  target: Omit<CustomFieldTarget, 'companyId'>,
  input: readonly CustomFieldValueInputItem[],
  { path, problems }: CheckInput,
): CheckedValues {
  const checked: CheckedValues = { set: [], clear: [] };
  const definitions = new Map(facts.definitions.map((field) => [field.id, field]));
  const firstIndex = new Map<number, number>();
  for (const [i, item] of input.entries()) {
    const earlier = firstIndex.get(item.customFieldId);
    const outcome: ItemOutcome =
      earlier === undefined
        ? checkItem(item, definitions.get(item.customFieldId), target)
        : {
            at: 'customFieldId',
            problem: `custom field ${item.customFieldId} is already given at index ${earlier}`,
          };
    firstIndex.set(item.customFieldId, earlier ?? i);
    if ('problem' in outcome) problems.add([...path, i, outcome.at], outcome.problem);
    else if (outcome.value === null) checked.clear.push(item.customFieldId);
    else checked.set.push({ fieldId: item.customFieldId, value: outcome.value });
  }
  for (const field of facts.required) {
    // Given ones were checked above; stored ones count on update.
    if (!field.stored && !firstIndex.has(field.id))
      problems.add(path, `'${field.label}' (custom field ${field.id}) is required`);
  }
  return checked;
}
