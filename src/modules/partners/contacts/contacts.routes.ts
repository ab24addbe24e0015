import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../../core/schemas.js';
import { Contact, CreateContactBody, ListContactsQuery, UpdateContactBody } from './contacts.schemas.js';
import type { ContactService } from './contacts.service.js';

const tags = ['Contacts'];
const notFoundResponse = { 404: errorBody.describe('No such contact in your company') };
const duplicate = { 409: errorBody.describe('This partner already has a contact with this email') };

export const contactsRoutes: FastifyPluginAsyncZod<{ contacts: ContactService }> = async (
  app,
  { contacts },
) => {
  app.get(
    '/contacts',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listContacts',
        tags,
        summary: "List your partners' contacts",
        querystring: ListContactsQuery,
        response: { 200: listOf(Contact), ...readErrors },
      },
    },
    (req) => contacts.list(req.auth.companyId, req.query),
  );

  app.get(
    '/contacts/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getContact',
        tags,
        summary: 'Get a contact',
        params: idParam('contacts'),
        response: { 200: Contact, ...readErrors, ...notFoundResponse },
      },
    },
    (req) => contacts.getOrThrow(req.auth.companyId, req.params.id),
  );

  app.post(
    '/contacts',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'createContact',
        tags,
        summary: 'Add a contact to one of your partners',
        body: CreateContactBody,
        response: { 201: Contact, ...writeErrors, ...duplicate },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await contacts.create(req.auth.companyId, req.body, req.auth.keyId)),
  );

  app.patch(
    '/contacts/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'updateContact',
        tags,
        summary: 'Update a contact',
        description: 'Only the fields sent are changed; `tags` replaces the list.',
        params: idParam('contacts'),
        body: UpdateContactBody,
        response: { 200: Contact, ...writeErrors, ...notFoundResponse, ...duplicate },
      },
    },
    (req) => contacts.update(req.auth.companyId, req.params.id, req.body, req.auth.keyId),
  );

  app.delete(
    '/contacts/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'deleteContact',
        tags,
        summary: 'Delete a contact',
        params: idParam('contacts'),
        response: { 204: z.undefined().describe('Deleted'), ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => {
      await contacts.remove(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );
};
