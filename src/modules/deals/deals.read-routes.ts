import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, readErrors } from '../../core/schemas.js';
import type { DealReadService } from './deals.read-service.js';
import { DEAL_MESSAGES, Deal, DealListItem, ListDealsQuery } from './deals.schemas.js';

const tags = ['Deals'];

/** GET /deals and /deals/{id}, served again at `base` (`/lead-deals`) with suffixed operationIds. */
const readRoutes =
  (
    base: string,
    suffix: { list: string; get: string },
  ): FastifyPluginAsyncZod<{ dealReads: DealReadService }> =>
  async (app, { dealReads }) => {
    app.get(
      base,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: suffix.list,
          tags,
          summary: 'List deals',
          description:
            "The live deals your company has a side of: the ones it owns and the partnership deals partners share with it. Each shows your side: your stage, your lead, your company's tags and assigned users; the value, currency, payment stage and commission are the same for both sides. Filters combine with AND; list filters (`stages`, `phases`, `tags`, `users`) match any of their values.",
          querystring: ListDealsQuery,
          response: { 200: listOf(DealListItem), ...readErrors },
        },
      },
      (req) => dealReads.list(req.caller, req.query),
    );

    app.get(
      `${base}/:id`,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: suffix.get,
          tags,
          summary: 'Get a deal',
          description: "The list item plus your `lead_deal` custom values and the deal's integration fields.",
          params: idParam('deals'),
          response: { 200: Deal, ...readErrors, 404: errorBody.describe(DEAL_MESSAGES.notFound) },
        },
      },
      (req) => dealReads.get(req.caller, req.params.id),
    );
  };

export const dealReadsRoutes: FastifyPluginAsyncZod<{ dealReads: DealReadService }> = async (app, opts) => {
  await app.register(readRoutes('/deals', { list: 'listDeals', get: 'getDeal' }), opts);
  await app.register(readRoutes('/lead-deals', { list: 'listLeadDeals', get: 'getLeadDeal' }), opts);
};
