import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBody, readErrors, writeErrors } from '../../core/schemas.js';
import { Company, UpdateCompanyBody } from './companies.schemas.js';
import type { CompanyService } from './companies.service.js';

const tags = ['Company'];

export const companyRoutes: FastifyPluginAsyncZod<{ companies: CompanyService }> = async (
  app,
  { companies },
) => {
  app.get(
    '/company',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getCompany',
        tags,
        summary: 'Get your company',
        response: { 200: Company, ...readErrors },
      },
    },
    (req) => companies.getOrThrow(req.auth.companyId),
  );

  app.patch(
    '/company',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'updateCompany',
        tags,
        summary: 'Update your company',
        description: 'Only the fields sent change. `domain` is how partners find the company: it is unique.',
        body: UpdateCompanyBody,
        response: {
          200: Company,
          ...writeErrors,
          409: errorBody.describe('Another company has this domain'),
        },
      },
    },
    (req) => companies.update(req.auth.companyId, req.body),
  );
};
