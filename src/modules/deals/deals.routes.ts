import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { knownCaller } from '../../core/auth-context.js';
import { errorBody, idParam, writeErrors } from '../../core/schemas.js';
import type { DealReadService } from './deals.read-service.js';
import { CreateDealBody, DEAL_MESSAGES, Deal, UpdateDealBody, UpdatedDeal } from './deals.schemas.js';
import type { DealService } from './deals.service.js';

// The deal commands. Journeybee documents both `/deals` (Gen B) and `/lead-deals` (Gen A): the
// same handlers serve both, each with its own operationId (createDeal, createLeadDeal, …).
export const DEAL_PATHS = ['/deals', '/lead-deals'] as const;

const tags = ['Deals'];
const forbidden = {
  403: errorBody.describe(`Write access required, or (the partner side) "${DEAL_MESSAGES.ownerOnly}"`),
};

export const dealsRoutes: FastifyPluginAsyncZod<{ deals: DealService; dealReads: DealReadService }> = async (
  app,
  { deals, dealReads },
) => {
  for (const base of DEAL_PATHS) {
    const alias = base === '/lead-deals' ? ' (alias of /v1/deals)' : '';
    const noun = base === '/lead-deals' ? 'LeadDeal' : 'Deal';

    app.post(
      base,
      {
        config: { role: 'member' },
        schema: {
          operationId: `create${noun}`,
          tags,
          summary: `Create a deal${alias}`,
          description: [
            'A deal on a live lead of your company (`lead_id` or `lead_uuid`). Without `label` it is named after',
            'the lead. A deal on a lead sent over or received through an accepted partnership (or naming one in',
            '`partnership_id`) is a partnership deal: the partner company sees it too (its own stage, tags, users',
            "and values, `partnerCustomFields`), and it starts with the commission of your partner's tier.",
            'Starting at a payment stage that calculation names makes its payments. The response is the new deal',
            '(`{id, uuid, …}`, as `GET /v1/deals/{id}` reads it). Amounts are exact decimals in whole currency units.',
          ].join(' '),
          body: CreateDealBody,
          response: { 201: Deal, ...writeErrors },
        },
      },
      async (req, reply) => {
        // The write stores `{id, uuid}` as the Idempotency-Key response in its own statement (a
        // retry after a crash between commit and reply gets those, never a second deal); the
        // reply is the deal as read back, which onSend then stores in its place.
        const created = await deals.create(req.auth, req.body, { idempotency: req.idempotency });
        return reply.code(201).send(await dealReads.get(knownCaller(req.auth), created.id));
      },
    );

    app.patch(
      `${base}/:id`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `update${noun}`,
          tags,
          summary: `Update a deal${alias}`,
          description: [
            'Only the fields sent change. Each side changes its own `stage_id`/`stage_uuid`, `tags`/`tag_uuids`,',
            '`assignedUsers` (both replaced) and `customFields` (upserted); the label, value, currency, expiration',
            "date and payment stage are the owner's (the partner gets 403). A new value or currency recomputes",
            'the total commission; entering a payment stage the commission names makes its payments.',
          ].join(' '),
          params: idParam('deals'),
          body: UpdateDealBody,
          response: {
            200: UpdatedDeal,
            ...writeErrors,
            ...forbidden,
            404: errorBody.describe(DEAL_MESSAGES.notFound),
          },
        },
      },
      (req) => deals.update(req.auth, req.params.id, req.body),
    );

    app.delete(
      `${base}/:id`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `delete${noun}`,
          tags,
          summary: `Delete a deal${alias}`,
          description: "Soft delete, by the owner only: the deal leaves both companies' reads.",
          params: idParam('deals'),
          response: {
            204: z.undefined().describe('Deleted'),
            ...writeErrors,
            ...forbidden,
            404: errorBody.describe(DEAL_MESSAGES.alreadyDeleted),
          },
        },
      },
      async (req, reply) => {
        await deals.remove(req.auth, req.params.id);
        return reply.code(204).send();
      },
    );
  }
};
