import { z } from 'zod';
import { objectId } from '../../../core/schemas.js';
import {
  catalogueSchemas,
  colorFields,
  colorOutputFields,
  label,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
} from '../catalogue.schemas.js';

/** A tier's default commission, as stored (the deal commission's shape, normalized). */
const StoredCommissionCalculation = z
  .object({
    entries: z.array(
      z.object({
        payment_stage_id: objectId,
        calculation: z.object({
          type: z.enum(['oneOff', 'recurring']),
          option: z.enum(['fixed', 'percentage']),
          value: z.string(),
          number_of_occurrences: z.number().int().min(1),
        }),
      }),
    ),
  })
  .nullable()
  .describe('The commission new partnership deals of this tier start with; null: none');

export type StoredTierCommission = z.infer<typeof StoredCommissionCalculation>;

/**
 * The tier schemas, with the commission calculation's body schema given by the deals module
 * (which owns it, and sits above the catalogues: see TierCommission).
 */
export const tierSchemasWith = (commissionInput: z.ZodType) =>
  catalogueSchemas('Tier', {
    entity: {
      label: z.string(),
      ...colorOutputFields,
      partner_type: partnerTypeOutput,
      commission_calculation: StoredCommissionCalculation,
    },
    create: {
      label,
      ...colorFields,
      partner_type: partnerType,
      commission_calculation: commissionInput
        .nullable()
        .optional()
        .describe(
          'The default commission of new partnership deals of this tier: entries per payment stage of your company (as `PUT /v1/deals/{id}/commission` takes them); null for none',
        ),
    },
    filters: { partner_type: partnerTypeFilter },
  });
