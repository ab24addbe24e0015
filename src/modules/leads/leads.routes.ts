import type { FastifySchemaValidationError } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../core/errors.js';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import { type IssueLike, validationError, validationIssues } from '../../core/validation.js';
import {
  CreatedLead,
  CreateLeadBody,
  LEAD_MESSAGES,
  Lead,
  LeadListItem,
  ListLeadsQuery,
  NEEDS_CONTACT,
  UpdatedLead,
  UpdateLeadBody,
} from './leads.schemas.js';
import type { LeadService } from './leads.service.js';

const tags = ['Leads'];
const notFoundResponse = { 404: errorBody.describe(LEAD_MESSAGES.notFound) };

/** A missing or wrong associationType, no email nor company_name, or no object at all. */
const missesRequired = (issue: IssueLike) =>
  issue.path[0] === 'associationType' ||
  (issue.code === 'custom' && issue.message === NEEDS_CONTACT) ||
  (issue.path.length === 0 && issue.code !== 'unrecognized_keys');

/**
 * The seed's messages for a Create Lead body its schema refuses: missing required fields (or a
 * wrong association type) first, then unknown fields (named, as on every route), then the rest.
 * `details` always names every problem.
 */
function createLeadValidationError(errors: FastifySchemaValidationError[], context: string): ApiError {
  const issues = validationIssues(errors);
  if (context !== 'body') return validationError(context, issues);
  const unknown = issues.filter((i) => i.code === 'unrecognized_keys');
  const named = validationError(context, [...unknown, ...issues.filter((i) => !unknown.includes(i))]);
  if (issues.some(missesRequired))
    return new ApiError('bad_request', LEAD_MESSAGES.missingRequired, named.details);
  if (unknown.length > 0) return named;
  return new ApiError('bad_request', LEAD_MESSAGES.invalidValues, named.details);
}

export const leadsRoutes: FastifyPluginAsyncZod<{ leads: LeadService }> = async (app, { leads }) => {
  app.get(
    '/leads',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listLeads',
        tags,
        summary: 'List leads',
        description:
          "Your company's live leads with their tags, assigned users, partnership leads (with the direction seen from you) and campaign. Filters combine with AND; list filters (`status`, `tags`, `users`) match any of their values.",
        querystring: ListLeadsQuery,
        response: { 200: listOf(LeadListItem), ...readErrors },
      },
    },
    (req) => leads.list(req.auth, req.query),
  );

  app.post(
    '/leads',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'createLead',
        tags,
        summary: 'Create a lead',
        description: [
          'A referral or reseller lead goes through an accepted partnership of that type (`partnershipLead`);',
          'a campaign lead needs `companyCampaignId`. With `partnershipLead.sendToPartner: true` the partner',
          'company also gets its own copy (with `partnerCustomFields`, assigned to `partnerUsers`). One',
          'transaction writes everything, with the `leads.create` events. A second live lead of your company',
          'with the same email (trimmed, case-insensitive) is a 409.',
        ].join(' '),
        body: CreateLeadBody,
        response: {
          201: CreatedLead,
          ...writeErrors,
          400: errorBody.describe(
            `"${LEAD_MESSAGES.missingRequired}", "${LEAD_MESSAGES.invalidValues}" or "Unknown field(s): …", with details`,
          ),
          409: errorBody.describe(LEAD_MESSAGES.duplicate),
        },
      },
      schemaErrorFormatter: createLeadValidationError,
    },
    async (req, reply) => {
      const created = await leads.create(req.auth, req.body, { idempotency: req.idempotency });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/leads/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getLead',
        tags,
        summary: 'Get a lead',
        description:
          'The list item plus custom fields, attributions, notes and the stored integration and partnership input.',
        params: idParam('leads'),
        response: { 200: Lead, ...readErrors, ...notFoundResponse },
      },
    },
    (req) => leads.getOrThrow(req.auth.companyId, req.params.id),
  );

  app.patch(
    '/leads/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'updateLead',
        tags,
        summary: 'Update a lead',
        description:
          "Only the fields sent change. `assignedUsers` and `tags` replace their lists; `customFields` are upserted. A partner's copy is its own lead: changes stay on the side that makes them.",
        params: idParam('leads'),
        body: UpdateLeadBody,
        response: {
          200: UpdatedLead,
          ...writeErrors,
          ...notFoundResponse,
          409: errorBody.describe(LEAD_MESSAGES.duplicate),
        },
      },
    },
    (req) => leads.update(req.auth, req.params.id, req.body),
  );

  app.delete(
    '/leads/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'deleteLead',
        tags,
        summary: 'Delete a lead',
        description: 'Soft delete: the lead leaves every read and its email is free for a new lead.',
        params: idParam('leads'),
        response: {
          204: z.undefined().describe('Deleted'),
          ...writeErrors,
          404: errorBody.describe(LEAD_MESSAGES.alreadyDeleted),
        },
      },
    },
    async (req, reply) => {
      await leads.remove(req.auth, req.params.id);
      return reply.code(204).send();
    },
  );
};
