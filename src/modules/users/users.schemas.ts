import { z } from 'zod';
import { USER_ROLES } from '../../db/schema/index.js';
import { paginationQuery } from '../../http/pagination.js';
import { hexColor, inputString, isoDateTime, storableText } from '../../http/schemas.js';

const trimmed = (max: number) =>
  inputString()
    .trim()
    .max(max, { error: `must be at most ${max} characters` });
const optionalText = (max: number) => trimmed(max).nullable().optional();

export const email = inputString()
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be a valid email address' }));

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .check(storableText)
  .max(2048, { error: 'must be at most 2048 characters' });

export const User = z
  .object({
    id: z.number().int(),
    uuid: z.string(),
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    role: z.enum(USER_ROLES),
    position: z.string().nullable(),
    phone_number: z.string().nullable(),
    meeting_link: z.string().nullable(),
    color: z.string().nullable(),
    disabled_at: isoDateTime.nullable(),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'User' });

const userFields = {
  first_name: optionalText(100),
  last_name: optionalText(100),
  role: z.enum(USER_ROLES, { error: `must be one of: ${USER_ROLES.join(', ')}` }).optional(),
  position: optionalText(200),
  phone_number: optionalText(50),
  meeting_link: httpUrl.nullable().optional(),
  color: hexColor.nullable().optional(),
};

export const CreateUserBody = z.strictObject({ email, ...userFields }).meta({ id: 'CreateUser' });

export const UpdateUserBody = z
  .strictObject({
    email: email.optional(),
    ...userFields,
    disabled_at: isoDateTime.nullable().optional().describe('Set to deactivate, null to reactivate'),
  })
  .meta({ id: 'UpdateUser' });

export const ListUsersQuery = z.strictObject({
  ...paginationQuery,
  search: inputString().trim().max(200).optional().describe('Matches email, first or last name'),
  role: z.enum(USER_ROLES, { error: `must be one of: ${USER_ROLES.join(', ')}` }).optional(),
  indirect: inputString()
    .optional()
    .describe('Any value also returns deactivated users (Journeybee compatibility)'),
});

export type CreateUserInput = z.infer<typeof CreateUserBody>;
export type UpdateUserInput = z.infer<typeof UpdateUserBody>;
export type ListUsersInput = z.infer<typeof ListUsersQuery>;
