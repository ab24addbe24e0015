import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogueRoutes } from '../catalogue.routes.js';
import { tagSchemas } from './tags.schemas.js';
import type { TagService } from './tags.service.js';

export const tagsRoutes: FastifyPluginAsyncZod<{ tags: TagService }> = async (app, { tags }) => {
  catalogueRoutes(app, {
    path: '/tags',
    table: 'tags',
    tag: 'Tags',
    noun: 'tag',
    plural: 'tags',
    schemas: tagSchemas,
    service: tags,
    notes: {
      create:
        'Labels are unique per association, case-insensitively (409). Colors default to #6B7280 on #FFFFFF.',
      update: '`association` cannot be changed.',
    },
    conflicts: 'A tag of this association has this label',
  });
};
