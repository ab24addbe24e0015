import { z } from 'zod';
import { TAG_ASSOCIATIONS } from '../../../db/schema/index.js';
import {
  catalogueSchemas,
  colorFields,
  colorOutputFields,
  label,
  oneOf,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
} from '../catalogue.schemas.js';

const association = oneOf(TAG_ASSOCIATIONS);

export const tagSchemas = catalogueSchemas('Tag', {
  entity: {
    label: z.string(),
    association: z.enum(TAG_ASSOCIATIONS),
    ...colorOutputFields,
    partner_type: partnerTypeOutput,
  },
  create: {
    label,
    association: association.describe('What the tag is put on'),
    ...colorFields,
    partner_type: partnerType,
  },
  update: { association: association.optional().describe('Cannot be changed; may be repeated') },
  filters: {
    association: association.optional().describe('Only tags for this association'),
    partner_type: partnerTypeFilter,
  },
});
