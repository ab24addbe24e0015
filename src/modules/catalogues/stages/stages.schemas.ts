import { z } from 'zod';
import { wholeNumber } from '../../../core/schemas.js';
import {
  DEAL_STAGE_PHASES,
  PARTNER_STAGE_PHASES,
  PARTNER_TYPES,
  PAYMENT_STAGE_PHASES,
  type STAGE_PIPELINES,
} from '../../../db/schema/index.js';
import {
  bulkUpdateBody,
  catalogueSchemas,
  label,
  oneOf,
  partnerType,
  partnerTypeFilter,
  partnerTypeOutput,
  patchShape,
} from '../catalogue.schemas.js';

export type StagePipeline = (typeof STAGE_PIPELINES)[number];
export const STAGE_PHASES = {
  partner: PARTNER_STAGE_PHASES,
  lead_deal: DEAL_STAGE_PHASES,
  payment: PAYMENT_STAGE_PHASES,
} as const;
export type StagePhase<P extends StagePipeline> = (typeof STAGE_PHASES)[P][number];

const SERIES = { error: 'must be an integer from 0 to 1000000' };
const series = z
  .number(SERIES)
  .int(SERIES)
  .min(0, SERIES)
  .max(1_000_000, SERIES)
  .describe('Position in the pipeline (lists are ordered by series, then id)');

/**
 * The schemas of one pipeline. Partner stages (A22–A24) need a `partner_type`, and their phase
 * defaults to `discovery`; deal stages (A25–A26) and payment stages need a phase, and
 * `partner_type` is optional.
 */
function pipelineSchemas<P extends StagePipeline>(pipeline: P, name: string) {
  const phases = STAGE_PHASES[pipeline] as (typeof STAGE_PHASES)[P];
  const phase = oneOf(phases);
  const isPartner = pipeline === 'partner';
  return {
    ...catalogueSchemas(name, {
      entity: {
        label: z.string(),
        series: wholeNumber,
        phase: z.enum(phases),
        partner_type: partnerTypeOutput,
      },
      create: {
        label,
        phase: isPartner ? phase.default('discovery' as StagePhase<P>) : phase,
        partner_type: isPartner ? oneOf(PARTNER_TYPES) : partnerType,
        series: series.optional().describe('By default after the last stage of the pipeline'),
      },
      filters: { partner_type: partnerTypeFilter },
    }),
    bulk: bulkUpdateBody('stages', patchShape({ label, series, phase }), `BulkUpdate${name}s`),
  };
}

export type PipelineSchemas<P extends StagePipeline> = ReturnType<typeof pipelineSchemas<P>>;

export const partnerStageSchemas = pipelineSchemas('partner', 'PartnerStage');
export const dealStageSchemas = pipelineSchemas('lead_deal', 'DealStage');
export const paymentStageSchemas = pipelineSchemas('payment', 'PaymentStage');
