import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { catalogueRoutes } from '../catalogue.routes.js';
import { customFieldSchemas } from './custom-fields.schemas.js';
import type { CustomFieldService } from './custom-fields.service.js';

export const customFieldsRoutes: FastifyPluginAsyncZod<{ customFields: CustomFieldService }> = async (
  app,
  { customFields },
) => {
  catalogueRoutes(app, {
    path: '/custom-fields',
    table: 'custom_fields',
    tag: 'Custom fields',
    noun: 'custom field',
    plural: 'custom fields',
    schemas: customFieldSchemas,
    service: customFields,
    conflicts: {
      create: 'Another field of this category has this label',
      update: 'Another field of this category has this label, or a removed option is used by a stored value',
    },
    notes: {
      create:
        'Labels are unique per category, case-insensitively (409). `options` is required for select and ' +
        'multi_select fields and not allowed for other types.',
      update:
        '`type` and `category` cannot be changed. `options` replaces the list; option ids stay stable, and an ' +
        'option a stored value uses cannot be removed (409).',
    },
  });
};
