import { z } from 'zod';
import { objectId, positiveId } from '../../../core/schemas.js';
import {
  CUSTOM_FIELD_CATEGORIES,
  CUSTOM_FIELD_TYPES,
  type CustomFieldType,
} from '../../../db/schema/index.js';
import {
  catalogueSchemas,
  label,
  oneOf,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
  requiredText,
} from '../catalogue.schemas.js';

export const OPTION_TYPES: ReadonlySet<CustomFieldType> = new Set(['select', 'multi_select']);
export const OPTIONS_REQUIRED = 'is required for select and multi_select fields';
export const OPTIONS_FORBIDDEN = 'is only allowed for select and multi_select fields';

const MAX_OPTIONS = 200;
const flag = (what: string) => z.boolean({ error: 'must be true or false' }).describe(what);
const REQUIRED = 'Values must be given wherever the field applies';
const SHARED = 'Also shown to partner companies';

/** An options list: 1 to 200 entries, labels unique (case-insensitively), ids (when given) too. */
const optionList = <S extends z.ZodRawShape>(item: S) =>
  z
    .array(z.strictObject({ ...item, label: requiredText(100) }))
    .min(1, { error: 'must list at least one option' })
    .max(MAX_OPTIONS, { error: `must list at most ${MAX_OPTIONS} options` })
    .superRefine((options, ctx) => {
      const labels = new Set<string>();
      const ids = new Set<unknown>();
      (options as { id?: number; label: string }[]).forEach((option, i) => {
        const key = option.label.toLowerCase();
        if (labels.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'label'], message: 'is listed twice' });
        labels.add(key);
        if (option.id !== undefined && ids.has(option.id)) {
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'is listed twice' });
        }
        ids.add(option.id);
      });
    });

export const customFieldSchemas = catalogueSchemas('CustomField', {
  entity: {
    label: z.string(),
    type: z.enum(CUSTOM_FIELD_TYPES),
    category: z.enum(CUSTOM_FIELD_CATEGORIES),
    partner_type: partnerTypeOutput,
    required: z.boolean(),
    shared: z.boolean(),
    options: z
      .array(z.object({ id: objectId, label: z.string() }))
      .nullable()
      .describe('The choices of a select or multi_select field, in order; null for other types'),
  },
  create: {
    label,
    type: oneOf(CUSTOM_FIELD_TYPES),
    category: oneOf(CUSTOM_FIELD_CATEGORIES),
    partner_type: partnerType,
    required: flag(REQUIRED).default(false),
    shared: flag(SHARED).default(false),
    options: optionList({})
      .nullable()
      .optional()
      .describe('Required (non-empty) for select and multi_select; not allowed for other types'),
  },
  refine: (body, ctx) => {
    const needs = OPTION_TYPES.has(body.type);
    if (needs && !body.options)
      ctx.addIssue({ code: 'custom', path: ['options'], message: OPTIONS_REQUIRED });
    if (!needs && body.options)
      ctx.addIssue({ code: 'custom', path: ['options'], message: OPTIONS_FORBIDDEN });
  },
  update: {
    type: oneOf(CUSTOM_FIELD_TYPES).optional().describe('Cannot be changed; may be repeated'),
    category: oneOf(CUSTOM_FIELD_CATEGORIES).optional().describe('Cannot be changed; may be repeated'),
    options: optionList({ id: positiveId.optional().describe('An existing option of this field') })
      .optional()
      .describe(
        'The full new list, in order. An entry with an `id` keeps (and may relabel) that option; one without ' +
          'keeps the existing option of the same label or adds a new one. Options left out are removed, ' +
          'unless a stored value uses them (409).',
      ),
  },
  filters: {
    category: oneOf(CUSTOM_FIELD_CATEGORIES).optional().describe('Only fields of this category'),
    partner_type: partnerTypeFilter,
  },
});

export type CreateCustomFieldInput = z.output<typeof customFieldSchemas.create>;
export type UpdateCustomFieldInput = z.output<typeof customFieldSchemas.update>;
export type OptionInput = NonNullable<UpdateCustomFieldInput['options']>[number];
