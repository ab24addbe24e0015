import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import { emailAddress, inputString, isoDateTime, objectId, orRequired } from '../../../core/schemas.js';
import { INVITATION_KINDS, USER_ROLES } from '../../../db/schema/index.js';
import { emailField } from '../../partners/index.js';
import { newPassword } from '../accounts.schemas.js';

const companyRef = z.object({ id: objectId, name: z.string() });

export const Invitation = z
  .object({
    id: objectId,
    uuid: z.string(),
    email: emailAddress,
    role: z.enum(USER_ROLES),
    kind: z.enum(INVITATION_KINDS).describe('`team`: a teammate; `partner`: a contact of a partner company'),
    invited_by: z
      .object({ id: objectId, email: emailAddress })
      .nullable()
      .describe('The user of your company who invited (null for partner invitations and removed users)'),
    expires_at: isoDateTime,
    accepted_at: isoDateTime.nullable(),
    revoked_at: isoDateTime.nullable(),
    created_at: isoDateTime,
    invite_url: z
      .string()
      .optional()
      .describe(
        'The one-time link, in the response that created the invitation only, and only when no SMTP server is configured (otherwise it is e-mailed)',
      ),
  })
  .meta({ id: 'Invitation' });

export const CreateInvitationBody = z
  .strictObject({
    email: emailField,
    role: z.enum(USER_ROLES, { error: orRequired(`must be one of: ${USER_ROLES.join(', ')}`) }),
  })
  .meta({ id: 'CreateInvitation' });

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired', 'all'] as const;

export const ListInvitationsQuery = z.strictObject({
  ...paginationQuery,
  status: z
    .enum(INVITATION_STATUSES, { error: `must be one of: ${INVITATION_STATUSES.join(', ')}` })
    .default('pending')
    .describe('Which invitations: pending ones (default), accepted, revoked, expired, or all'),
});

export const InvitationPreview = z
  .object({
    email: emailAddress,
    company: companyRef.describe('The company the person joins'),
    role: z.enum(USER_ROLES),
    kind: z.enum(INVITATION_KINDS),
    expires_at: isoDateTime,
    partner_company: companyRef
      .optional()
      .describe('Partner invitations: the company that invites yours to partner'),
  })
  .meta({ id: 'InvitationPreview' });

export const AcceptInvitationBody = z
  .strictObject({
    password: newPassword,
    first_name: inputString().trim().min(1, { error: 'must not be empty' }).max(100).optional(),
    last_name: inputString().trim().max(100).nullable().optional(),
  })
  .meta({ id: 'AcceptInvitation' });

export const tokenParam = z.object({
  token: inputString().max(200).describe('The token of the invitation link (`/invite/{token}`)'),
});

export type CreateInvitationInput = z.infer<typeof CreateInvitationBody>;
export type ListInvitationsInput = z.infer<typeof ListInvitationsQuery>;
export type AcceptInvitationInput = z.infer<typeof AcceptInvitationBody>;
export type InvitationOut = z.output<typeof Invitation>;
