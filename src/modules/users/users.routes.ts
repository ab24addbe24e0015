import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import { CreateUserBody, ListUsersQuery, UpdateUserBody, User } from './users.schemas.js';
import type { UserService } from './users.service.js';

const tags = ['Users'];
const notFoundResponse = { 404: errorBody.describe('No such user in your company') };

export const usersRoutes: FastifyPluginAsyncZod<{ users: UserService }> = async (app, { users }) => {
  app.get(
    '/users',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listUsers',
        tags,
        summary: "List your company's users",
        description: 'Active users by default; pass `indirect` (any value) to include deactivated users.',
        querystring: ListUsersQuery,
        response: { 200: listOf(User), ...readErrors },
      },
    },
    (req) => users.list(req.auth.companyId, req.query),
  );

  app.get(
    '/users/:id',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'Get a user',
        params: idParam('users'),
        response: { 200: User, ...readErrors, ...notFoundResponse },
      },
    },
    (req) => users.getOrThrow(req.auth.companyId, req.params.id),
  );

  app.post(
    '/users',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createUser',
        tags,
        summary: 'Create a user',
        body: CreateUserBody,
        response: {
          201: User,
          ...writeErrors,
          409: errorBody.describe('A user with this email already exists in your company'),
        },
      },
    },
    async (req, reply) => {
      const user = await users.create(req.auth.companyId, req.body, req.auth.keyId);
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Update a user',
        description: 'Only the fields sent are changed. `disabled_at: null` reactivates a deactivated user.',
        params: idParam('users'),
        body: UpdateUserBody,
        response: {
          200: User,
          ...writeErrors,
          ...notFoundResponse,
          409: errorBody.describe('Another user of your company has this email'),
        },
      },
    },
    (req) => users.update(req.auth.companyId, req.params.id, req.body),
  );

  app.delete(
    '/users/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'deactivateUser',
        tags,
        summary: 'Deactivate a user',
        description: 'Sets `disabled_at`; the user disappears from the default list but keeps its history.',
        params: idParam('users'),
        response: { 204: z.undefined().describe('Deactivated'), ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => {
      await users.deactivate(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );
};
