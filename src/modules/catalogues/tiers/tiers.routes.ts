import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogueRoutes } from '../catalogue.routes.js';
import { tierSchemas } from './tiers.schemas.js';
import type { TierService } from './tiers.service.js';

export const tiersRoutes: FastifyPluginAsyncZod<{ tiers: TierService }> = async (app, { tiers }) => {
  catalogueRoutes(app, {
    path: '/tiers',
    table: 'tiers',
    tag: 'Tiers',
    noun: 'tier',
    plural: 'tiers',
    schemas: tierSchemas,
    service: tiers,
    notes: { create: 'Labels are unique per company, case-insensitively (409).' },
    conflicts: 'Another tier has this label',
  });
};
