import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import {
  EMAIL_DOC,
  emailAddress,
  hexColor,
  inputString,
  isoDateTime,
  objectId,
  storableText,
} from '../../core/schemas.js';
import { USER_ROLES } from '../../db/schema/index.js';

const trimmed = (max: number) =>
  inputString()
    .trim()
    .max(max, { error: `must be at most ${max} characters` });
const optionalText = (max: number) => trimmed(max).nullable().optional();

export const email = inputString()
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be a valid email address' }))
  .meta(EMAIL_DOC);

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .check(storableText)
  .max(2048, { error: 'must be at most 2048 characters' });

export const User = z
  .object({
    id: objectId,
    uuid: z.string(),
    email: emailAddress,
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

/** What a user may change of their own profile (PATCH /v1/me): not email, role or status. */
export const UpdateProfileBody = z
  .strictObject({
    first_name: userFields.first_name,
    last_name: userFields.last_name,
    position: userFields.position,
    phone_number: userFields.phone_number,
    meeting_link: userFields.meeting_link,
    color: userFields.color,
  })
  .meta({ id: 'UpdateProfile' });

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
export type UpdateProfileInput = z.infer<typeof UpdateProfileBody>;
export type ListUsersInput = z.infer<typeof ListUsersQuery>;
