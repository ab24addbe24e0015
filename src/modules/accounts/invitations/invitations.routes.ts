import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../../core/schemas.js';
import { publicErrors, sendSession } from '../accounts.routes.js';
import { Session } from '../accounts.schemas.js';
import type { CsrfGuard } from '../csrf.js';
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  Invitation,
  InvitationPreview,
  ListInvitationsQuery,
  tokenParam,
} from './invitations.schemas.js';
import type { InvitationService } from './invitations.service.js';

const tags = ['Invitations'];
const invalidLink = { 404: errorBody.describe('The link is invalid, used, revoked or expired') };

// Settings → Team: admins invite teammates, list and revoke the invitations.
export const invitationsRoutes: FastifyPluginAsyncZod<{ invitations: InvitationService }> = async (
  app,
  { invitations },
) => {
  app.post(
    '/invitations',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createInvitation',
        tags,
        summary: 'Invite a teammate',
        description:
          'A one-time link (valid 7 days) lets the person set a password and join your company with this role. ' +
          'With SMTP it is e-mailed; otherwise it is in this response only (`invite_url`). A new invitation ' +
          'replaces the earlier pending ones of the same email.',
        body: CreateInvitationBody,
        response: {
          201: Invitation,
          ...writeErrors,
          409: errorBody.describe('The email already has an active account in your company'),
          503: errorBody.describe('The invitation e-mail could not be sent (nothing was created)'),
        },
      },
    },
    async (req, reply) => reply.code(201).send(await invitations.create(req.auth, req.body)),
  );

  app.get(
    '/invitations',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listInvitations',
        tags,
        summary: "List your company's invitations",
        description:
          'Newest first; pending ones unless `status` says otherwise. Links are never shown again.',
        querystring: ListInvitationsQuery,
        response: { 200: listOf(Invitation), ...readErrors },
      },
    },
    (req) => invitations.list(req.auth.companyId, req.query),
  );

  app.delete(
    '/invitations/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'revokeInvitation',
        tags,
        summary: 'Revoke an invitation',
        description: 'Its link stops working at once. Revoking twice is fine.',
        params: idParam('invitations'),
        response: {
          204: z.undefined().describe('Revoked'),
          ...writeErrors,
          404: errorBody.describe('No such invitation in your company'),
          409: errorBody.describe('The invitation was accepted'),
        },
      },
    },
    async (req, reply) => {
      await invitations.revoke(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );
};

/** The invitation link's two steps: anyone holding the link may call them. */
export const publicInvitationRoutes: FastifyPluginAsyncZod<{
  invitations: InvitationService;
  csrf: CsrfGuard;
}> = async (app, { invitations, csrf }) => {
  app.get(
    '/auth/invitations/:token',
    {
      config: { public: true },
      schema: {
        operationId: 'getInvitation',
        tags,
        summary: 'Look at an invitation',
        description: 'Who is invited, to which company, with which role (and, for a partner, by whom).',
        security: [],
        params: tokenParam,
        response: { 200: InvitationPreview, ...publicErrors, ...invalidLink },
      },
    },
    (req) => invitations.preview(req.params.token),
  );

  app.post(
    '/auth/invitations/:token/accept',
    {
      config: { public: true },
      schema: {
        operationId: 'acceptInvitation',
        tags,
        summary: 'Accept an invitation: set your password and log in',
        description:
          "Joins the company with the invitation's role and sets the `jb_session` cookie. The link works once. " +
          'A partner then sees the pending partnership in `GET /v1/partners` and can accept it.',
        security: [],
        params: tokenParam,
        body: AcceptInvitationBody,
        response: {
          200: Session,
          ...publicErrors,
          ...invalidLink,
          409: errorBody.describe('The account is already active: log in instead'),
        },
      },
    },
    async (req, reply) => sendSession(req, reply, csrf, await invitations.accept(req.params.token, req.body)),
  );
};
