import { z } from 'zod';
import { bodyId, documentAs, objectId, orRequired, storableJson } from '../../core/schemas.js';
import { CUSTOM_FIELD_TYPES, type CustomFieldType } from '../../db/schema/index.js';

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
    // Checked against the field's type by the service (its messages name the field); the
    // document shows the shapes it accepts.
    value: documentAs(
      z
        .record(z.string(), z.unknown(), { error: 'must be an object such as {"text": "…"}, or null' })
        .check(storableJson),
      'CustomFieldValueData',
    )
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

const optionId = objectId;
/** A stored value, exactly as it was accepted: one key, named after the field's type. */
export const StoredValue = z
  .xor([
    z.object({ text: z.string() }).describe('text and textarea fields'),
    z.object({ number: z.number() }),
    z.object({ date: z.string().meta({ format: 'date', examples: ['2024-01-15'] }) }),
    z.object({ boolean: z.boolean() }),
    z.object({ select: optionId.describe('An option id of the field') }),
    z.object({ multi_select: z.array(optionId).describe('Option ids of the field') }),
  ])
  .meta({
    id: 'CustomFieldValueData',
    description: "A custom field's value: the key names the field's type",
  });
export type StoredValue = z.infer<typeof StoredValue>;

export const CustomFieldValue = z
  .object({
    id: objectId.describe('The custom field (definition) id'),
    label: z.string(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    value: StoredValue,
    custom_field_value_id: objectId,
  })
  .meta({ id: 'CustomFieldValue' });
export type CustomFieldValue = z.infer<typeof CustomFieldValue>;
