import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bulkUpdateRoute, catalogueRoutes } from '../catalogue.routes.js';
import { categorySchemas } from './categories.schemas.js';
import type { CategoryService } from './categories.service.js';

export const categoriesRoutes: FastifyPluginAsyncZod<{ categories: CategoryService }> = async (
  app,
  { categories },
) => {
  catalogueRoutes(app, {
    path: '/categories',
    table: 'categories',
    tag: 'Categories',
    noun: 'category',
    plural: 'categories',
    schemas: categorySchemas,
    service: categories,
    notes: { create: 'Labels are unique per company, case-insensitively (409).' },
    conflicts: 'Another category has this label',
  });
  bulkUpdateRoute(app, {
    path: '/categories',
    tag: 'Categories',
    plural: 'categories',
    body: categorySchemas.bulk,
    conflict: 'A new label is another category’s; nothing was changed',
    run: (companyId, body) => categories.bulkUpdate(companyId, body.categories, 'categories'),
  });
};
