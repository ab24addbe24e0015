import { z } from 'zod';
import {
  catalogueSchemas,
  colorFields,
  colorOutputFields,
  label,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
} from '../catalogue.schemas.js';

export const tierSchemas = catalogueSchemas('Tier', {
  entity: { label: z.string(), ...colorOutputFields, partner_type: partnerTypeOutput },
  create: { label, ...colorFields, partner_type: partnerType },
  filters: { partner_type: partnerTypeFilter },
});
