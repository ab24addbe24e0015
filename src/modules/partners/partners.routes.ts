import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf, paginationQuery } from '../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import {
  CreatedPartner,
  CreatePartnerBody,
  ListPartnersQuery,
  Partner,
  PartnerUser,
  UpdatePartnerBody,
} from './partners.schemas.js';
import type { PartnerService } from './partners.service.js';

const tags = ['Partners'];
const notFoundResponse = {
  404: errorBody.describe('No such partner in your company (`{id}` is your company partnership id)'),
};
const NoBody = z.strictObject({}).nullish().describe('No body is needed');

// Journeybee documents both `/partners` and `/partnerships`: the same handlers serve both.
export const PARTNER_PATHS = ['/partners', '/partnerships'] as const;

export const partnersRoutes: FastifyPluginAsyncZod<{ partners: PartnerService }> = async (
  app,
  { partners },
) => {
  for (const base of PARTNER_PATHS) {
    const alias = base === '/partnerships' ? ' (alias of /v1/partners)' : '';
    // operationIds: listPartners under /partners, listPartnerships under /partnerships, …
    const noun = base === '/partnerships' ? 'Partnership' : 'Partner';

    app.get(
      base,
      {
        config: { role: 'member' },
        schema: {
          operationId: `list${noun}s`,
          tags,
          summary: `List your partners${alias}`,
          description:
            'Your side of each partnership: your stage, tier, category, tags, users and custom fields.',
          querystring: ListPartnersQuery,
          response: { 200: listOf(Partner), ...readErrors },
        },
      },
      (req) => partners.list(req.auth, req.query),
    );

    app.post(
      base,
      {
        config: { role: 'member' },
        schema: {
          operationId: `create${noun}`,
          tags,
          summary: `Invite a partner${alias}`,
          description: [
            'Finds the partner company by email domain (case-insensitive) or creates it, with the emails as its users',
            '(the first an admin). An existing company keeps its users. The emails become your contacts. The',
            'partnership is `pending` until the partner accepts with its own key, or `inactive` with `inactive: true`.',
            'Each user of a partner company created here gets a one-time invitation link (7 days) to set a password',
            'and accept: e-mailed when the server has SMTP, otherwise returned once in `invitations[].invite_url`.',
          ].join(' '),
          body: CreatePartnerBody,
          response: {
            201: CreatedPartner,
            ...writeErrors,
            409: errorBody.describe('A partnership of this type with this company already exists'),
          },
        },
      },
      async (req, reply) => reply.code(201).send(await partners.create(req.auth, req.body)),
    );

    app.get(
      `${base}/:id`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `get${noun}`,
          tags,
          summary: `Get a partner${alias}`,
          params: idParam('company_partnerships'),
          response: { 200: Partner, ...readErrors, ...notFoundResponse },
        },
      },
      (req) => partners.getOrThrow(req.auth.companyId, req.params.id),
    );

    app.patch(
      `${base}/:id`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `update${noun}`,
          tags,
          summary: `Update your side of a partnership${alias}`,
          description:
            'Only the fields sent change. `tags` and `assignedUsers` replace their lists; `customFields` are upserted.',
          params: idParam('company_partnerships'),
          body: UpdatePartnerBody,
          response: {
            200: Partner,
            ...writeErrors,
            403: errorBody.describe('Write access required, or `inactive` sent by the invited company'),
            ...notFoundResponse,
            409: errorBody.describe('`inactive` does not fit the partnership status'),
          },
        },
      },
      (req) => partners.update(req.auth.companyId, req.params.id, req.body, req.auth.keyId),
    );

    app.delete(
      `${base}/:id`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `delete${noun}`,
          tags,
          summary: `End a partnership${alias}`,
          description:
            "Either company may end it. It ends for both: both sides' records, contacts, tags, assigned users and custom field values are deleted.",
          params: idParam('company_partnerships'),
          response: { 204: z.undefined().describe('Ended'), ...writeErrors, ...notFoundResponse },
        },
      },
      async (req, reply) => {
        await partners.remove(req.auth.companyId, req.params.id);
        return reply.code(204).send();
      },
    );

    for (const answer of ['accept', 'decline'] as const) {
      app.post(
        `${base}/:id/${answer}`,
        {
          config: { role: 'member' },
          schema: {
            operationId: `${answer}${noun}`,
            tags,
            summary: `${answer === 'accept' ? 'Accept' : 'Decline'} a partnership invitation${alias}`,
            description: `Only the invited company may ${answer}, with its own key, while the invitation is pending.`,
            params: idParam('company_partnerships'),
            body: NoBody,
            response: {
              200: Partner,
              ...writeErrors,
              403: errorBody.describe(
                `Write access required, or your company sent the invitation (only the invited company can ${answer})`,
              ),
              ...notFoundResponse,
              409: errorBody.describe('The partnership is not pending'),
            },
          },
        },
        (req) => partners.respond(req.auth.companyId, req.params.id, answer, req.auth.keyId),
      );
    }

    app.get(
      `${base}/:id/users`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `list${noun}Users`,
          tags,
          summary: `List the partner company's users${alias}`,
          description:
            'Active users of the partner company. Until the partnership is accepted, only those among your contacts for it.',
          params: idParam('company_partnerships'),
          querystring: z.strictObject(paginationQuery),
          response: { 200: listOf(PartnerUser), ...readErrors, ...notFoundResponse },
        },
      },
      (req) => partners.partnerUsers(req.auth.companyId, req.params.id, req.query),
    );
  }
};
