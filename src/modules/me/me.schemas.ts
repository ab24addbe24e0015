import { z } from 'zod';
import { isoDateTime, objectId } from '../../core/schemas.js';
import { API_KEY_PERMISSIONS } from '../../db/schema/index.js';
import { Company } from '../companies/index.js';
import { UpdateProfileBody, User } from '../users/index.js';

export const Me = z
  .object({
    company: Company,
    user: User.nullable().describe("The user the caller acts as; null for an operator's key without one"),
    role: z.enum(['admin', 'partnerships']).describe('The role the caller acts with'),
    authentication: z
      .discriminatedUnion('type', [
        z.object({
          type: z.literal('api_key'),
          api_key: z.object({
            id: objectId,
            name: z.string().nullable(),
            prefix: z.string(),
            permission: z.enum(API_KEY_PERMISSIONS),
            expires_at: isoDateTime.nullable(),
          }),
        }),
        z.object({
          type: z.literal('session'),
          session: z.object({
            id: objectId,
            created_at: isoDateTime,
            expires_at: isoDateTime.describe('When it ends if unused (14 days idle)'),
          }),
        }),
      ])
      .describe(
        'An API key (its prefix and permission), or the console session (a session acts as a write key)',
      ),
  })
  .meta({ id: 'Me' });

export { UpdateProfileBody };
