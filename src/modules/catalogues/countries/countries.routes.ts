import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, idParam, readErrors } from '../../../core/schemas.js';
import { Country, ListCountriesQuery } from './countries.schemas.js';
import type { CountryService } from './countries.service.js';

const tags = ['Countries'];

export const countriesRoutes: FastifyPluginAsyncZod<{ countries: CountryService }> = async (
  app,
  { countries },
) => {
  app.get(
    '/countries',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listCountries',
        tags,
        summary: 'List countries',
        description: 'The reference list (ISO 3166-1), ordered by name; the same for every company.',
        querystring: ListCountriesQuery,
        response: { 200: listOf(Country), ...readErrors },
      },
    },
    (req) => countries.list(req.query),
  );

  app.get(
    '/countries/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getCountry',
        tags,
        summary: 'Get a country',
        params: idParam('countries'),
        response: { 200: Country, ...readErrors, 404: errorBody.describe('No such country') },
      },
    },
    (req) => countries.getOrThrow(req.params.id),
  );
};
