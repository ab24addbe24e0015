import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogueRoutes } from '../catalogue.routes.js';
import { campaignSchemas } from './campaigns.schemas.js';
import type { CampaignService } from './campaigns.service.js';

export const campaignsRoutes: FastifyPluginAsyncZod<{ campaigns: CampaignService }> = async (
  app,
  { campaigns },
) => {
  catalogueRoutes(app, {
    path: '/campaigns',
    table: 'campaigns',
    tag: 'Campaigns',
    noun: 'campaign',
    plural: 'campaigns',
    schemas: campaignSchemas,
    service: campaigns,
    notes: {
      create: '`status` defaults to `active`. `end_date` must not be before `start_date` (400).',
      update: 'A new date is checked against the other date as stored.',
    },
  });
};
