import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogueRoutes } from '../catalogue.routes.js';
import { tierSchemasWith } from './tiers.schemas.js';
import type { TierService } from './tiers.service.js';

export const tiersRoutes: FastifyPluginAsyncZod<{ tiers: TierService }> = async (app, { tiers }) => {
  catalogueRoutes(app, {
    path: '/tiers',
    table: 'tiers',
    tag: 'Tiers',
    noun: 'tier',
    plural: 'tiers',
    schemas: tierSchemasWith(tiers.commission.schema),
    service: tiers,
    notes: {
      create:
        'Labels are unique per company, case-insensitively (409). `commission_calculation` is the default commission new partnership deals of the tier copy.',
    },
    conflicts: 'Another tier has this label',
  });
};
