import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import { emailAddress, inputString, isoDateTime, objectId } from '../../core/schemas.js';
import { API_KEY_PERMISSIONS } from '../../db/schema/index.js';
import type { ApiKeyListRow } from './api-keys.repository.js';

export const ApiKey = z
  .object({
    id: objectId,
    uuid: z.string(),
    name: z.string().nullable(),
    prefix: z.string().describe('The first characters of the key, to recognise it by'),
    permission: z.enum(API_KEY_PERMISSIONS),
    user: z
      .object({
        id: objectId,
        email: emailAddress,
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
      })
      .nullable()
      .describe("The user the key acts as; null for an operator's key, which acts as the company's admin"),
    created_at: isoDateTime,
    last_used_at: isoDateTime.nullable().describe('Recorded at most once a minute'),
    expires_at: isoDateTime.nullable(),
    revoked_at: isoDateTime.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe('The full key: shown once, only its hash is stored. You will not see it again.'),
}).meta({ id: 'CreatedApiKey' });

export const CreateApiKeyBody = z
  .strictObject({
    name: inputString()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(100, { error: 'must be at most 100 characters' })
      .optional(),
    permission: z.enum(API_KEY_PERMISSIONS, { error: "must be 'read' or 'write'" }),
    expires_at: isoDateTime.optional().describe('When the key stops working; in the future'),
  })
  .meta({ id: 'CreateApiKey' });

export const ListApiKeysQuery = z.strictObject({ ...paginationQuery });

export type ApiKeyOut = z.input<typeof ApiKey>;

/** The wire shape of a key row: the user as an object, never the hash. */
export function toApiKey(row: ApiKeyListRow) {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    prefix: row.prefix,
    permission: row.permission,
    user:
      row.user_id === null || row.user_email === null
        ? null
        : {
            id: row.user_id,
            email: row.user_email,
            first_name: row.user_first_name,
            last_name: row.user_last_name,
          },
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
  };
}
