import { z } from 'zod';
import {
  bulkUpdateBody,
  catalogueSchemas,
  label,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
} from '../catalogue.schemas.js';

export const categorySchemas = {
  ...catalogueSchemas('Category', {
    entity: { label: z.string(), partner_type: partnerTypeOutput },
    create: { label, partner_type: partnerType },
    filters: { partner_type: partnerTypeFilter },
  }),
  bulk: bulkUpdateBody('categories', { label }, 'BulkUpdateCategories'),
};
