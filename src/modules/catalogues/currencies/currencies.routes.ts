import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, idParam, readErrors } from '../../../core/schemas.js';
import { Currency, ListCurrenciesQuery } from './currencies.schemas.js';
import type { CurrencyService } from './currencies.service.js';

const tags = ['Currencies'];

export const currenciesRoutes: FastifyPluginAsyncZod<{ currencies: CurrencyService }> = async (
  app,
  { currencies },
) => {
  app.get(
    '/currencies',
    {
      config: { role: 'member', foldsAuth: true },
      schema: {
        operationId: 'listCurrencies',
        tags,
        summary: 'List currencies',
        description:
          'The ISO 4217 reference list deals are priced in, ordered by code; the same for every company.',
        querystring: ListCurrenciesQuery,
        response: { 200: listOf(Currency), ...readErrors },
      },
    },
    (req) => currencies.list(req.caller, req.query),
  );

  app.get(
    '/currencies/:id',
    {
      config: { role: 'member', foldsAuth: true },
      schema: {
        operationId: 'getCurrency',
        tags,
        summary: 'Get a currency',
        params: idParam('currencies'),
        response: { 200: Currency, ...readErrors, 404: errorBody.describe('No such currency') },
      },
    },
    (req) => currencies.getOrThrow(req.caller, req.params.id),
  );
};
