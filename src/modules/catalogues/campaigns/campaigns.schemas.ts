import { z } from 'zod';
import { inputString, storableText } from '../../../core/schemas.js';
import { CAMPAIGN_STATUSES } from '../../../db/schema/index.js';
import { catalogueSchemas, oneOf, requiredText } from '../catalogue.schemas.js';

const date = z.iso.date({ error: 'must be a date as YYYY-MM-DD' }).check(storableText);
const status = oneOf(CAMPAIGN_STATUSES);

export const campaignSchemas = catalogueSchemas('Campaign', {
  entity: {
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(CAMPAIGN_STATUSES),
    start_date: z.string().nullable().describe('YYYY-MM-DD'),
    end_date: z.string().nullable().describe('YYYY-MM-DD, on or after start_date'),
  },
  create: {
    title: requiredText(200),
    description: inputString({ error: 'must be a string' })
      .trim()
      .max(5000, { error: 'must be at most 5000 characters' })
      .nullable()
      .optional(),
    status: status.default('active'),
    start_date: date.nullable().optional(),
    end_date: date.nullable().optional().describe('On or after start_date'),
  },
  filters: { status: status.optional().describe('Only campaigns in this status') },
});
