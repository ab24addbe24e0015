import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import { bodyId, emailAddress, isoDateTime, objectId, positiveId } from '../../../core/schemas.js';
import { emailField, idArray, optionalText, TagRefList, text } from '../partners.schemas.js';

const contactFields = {
  first_name: optionalText(100),
  last_name: optionalText(100),
  position: optionalText(200),
  phone_number: optionalText(50),
  tags: idArray.optional().describe('Partner tags of your company (replaces the list on update)'),
};

export const CreateContactBody = z
  .strictObject({
    email: emailField,
    partnership_id: bodyId.describe('Your company partnership id (the `id` of a partner)'),
    ...contactFields,
  })
  .meta({ id: 'CreateContact' });

export const UpdateContactBody = z
  .strictObject({ email: emailField.optional(), ...contactFields })
  .meta({ id: 'UpdateContact' });

export const ListContactsQuery = z.strictObject({
  ...paginationQuery,
  partnership_id: positiveId
    .optional()
    .describe('Only the contacts of this partner (your company partnership id)'),
  search: text(200).optional().describe("Matches the contact's name or email, or the partner company's name"),
});

export const Contact = z
  .object({
    id: objectId,
    uuid: z.string(),
    email: emailAddress,
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    position: z.string().nullable(),
    phone_number: z.string().nullable(),
    company_name: z.string().describe("The partner company's name"),
    partnership_id: objectId.describe('Your company partnership id'),
    tags: TagRefList,
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'Contact' });

export type CreateContactInput = z.infer<typeof CreateContactBody>;
export type UpdateContactInput = z.infer<typeof UpdateContactBody>;
export type ListContactsInput = z.infer<typeof ListContactsQuery>;
export type ContactOut = z.infer<typeof Contact>;
