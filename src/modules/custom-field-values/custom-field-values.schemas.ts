import { z } from 'zod';
import { CUSTOM_FIELD_TYPES, type CustomFieldType } from '../../db/schema/index.js';
import { bodyId, orRequired, storableJson } from '../../http/schemas.js';

// The wire format of custom field values, shared by every resource that carries them
// (partners now, leads and deals next). Structure is checked here; whether a value fits its
// field (type, options, required) needs the field's definition: the service checks that.

/** The key a value object carries for each field type: text and textarea both hold `text`. */
export const VALUE_KEY = {
  text: 'text',
  textarea: 'text',
  number: 'number',
  date: 'date',
  boolean: 'boolean',
  select: 'select',
  multi_select: 'multi_select',
} as const satisfies Record<CustomFieldType, string>;

export const CustomFieldValueInput = z
  .strictObject({
    customFieldId: bodyId.describe('A custom field definition of your company'),
    type: z
      .enum(CUSTOM_FIELD_TYPES, { error: orRequired(`must be one of: ${CUSTOM_FIELD_TYPES.join(', ')}`) })
      .describe("Must equal the field's type"),
    value: z
      .record(z.string(), z.unknown(), { error: 'must be an object such as {"text": "…"}, or null' })
      .check(storableJson)
      .nullable()
      .describe(
        'One key matching the type: `{"text": "…"}` (text, textarea), `{"number": 1.5}`, `{"date": "2024-01-15"}`, ' +
          '`{"boolean": true}`, `{"select": <optionId>}`, `{"multi_select": [<optionId>, …]}`. ' +
          '`null` removes a stored value (not allowed for a required field).',
      ),
  })
  .meta({ id: 'SetCustomFieldValue' });

export const CustomFieldValuesInput = z
  .array(CustomFieldValueInput, { error: 'must be an array of {customFieldId, type, value}' })
  .max(200, { error: 'must have at most 200 items' });

export type CustomFieldValueInputItem = z.infer<typeof CustomFieldValueInput>;

const optionId = z.number().int();
/** A stored value, exactly as it was accepted. */
export const StoredValue = z.union([
  z.object({ text: z.string() }),
  z.object({ number: z.number() }),
  z.object({ date: z.string() }),
  z.object({ boolean: z.boolean() }),
  z.object({ select: optionId }),
  z.object({ multi_select: z.array(optionId) }),
]);
export type StoredValue = z.infer<typeof StoredValue>;

export const CustomFieldValue = z
  .object({
    id: z.number().int().describe('The custom field (definition) id'),
    label: z.string(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    value: StoredValue,
    custom_field_value_id: z.number().int(),
  })
  .meta({ id: 'CustomFieldValue' });
export type CustomFieldValue = z.infer<typeof CustomFieldValue>;
