import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bulkUpdateRoute, catalogueRoutes, type ZodApp } from '../catalogue.routes.js';
import {
  dealStageSchemas,
  type PipelineSchemas,
  partnerStageSchemas,
  paymentStageSchemas,
  type StagePipeline,
} from './stages.schemas.js';
import type { StageService } from './stages.service.js';

function pipelineRoutes<P extends StagePipeline>(
  app: ZodApp,
  path: string,
  noun: string,
  schemas: PipelineSchemas<P>,
  service: StageService<P>,
) {
  const plural = `${noun}s`;
  catalogueRoutes(app, {
    path,
    table: 'stages',
    tag: 'Stages',
    noun,
    plural,
    schemas,
    service,
    notes: {
      list: 'Ordered by `series`, then id.',
      create: '`series` defaults to one after the last stage of the pipeline.',
    },
  });
  bulkUpdateRoute(app, {
    path,
    tag: 'Stages',
    plural,
    body: schemas.bulk,
    run: (companyId, body) => service.bulkUpdate(companyId, body.stages, 'stages'),
  });
}

export const stagesRoutes: FastifyPluginAsyncZod<{
  partnerStages: StageService<'partner'>;
  dealStages: StageService<'lead_deal'>;
  paymentStages: StageService<'payment'>;
}> = async (app, { partnerStages, dealStages, paymentStages }) => {
  pipelineRoutes(app, '/stages/partner-stages', 'partner stage', partnerStageSchemas, partnerStages);
  pipelineRoutes(app, '/stages/lead-deal-stages', 'deal stage', dealStageSchemas, dealStages);
  pipelineRoutes(app, '/stages/payment-stages', 'payment stage', paymentStageSchemas, paymentStages);
};
