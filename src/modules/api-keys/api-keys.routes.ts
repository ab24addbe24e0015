import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import { ApiKey, CreateApiKeyBody, CreatedApiKey, ListApiKeysQuery, toApiKey } from './api-keys.schemas.js';
import type { ApiKeyService } from './api-keys.service.js';

const tags = ['API keys'];
const notFoundResponse = { 404: errorBody.describe('No such API key in your company') };

// Settings → API Keys: admins manage the company's keys through the API itself.
export const apiKeysRoutes: FastifyPluginAsyncZod<{ keys: ApiKeyService }> = async (app, { keys }) => {
  app.get(
    '/api-keys',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: "List your company's API keys",
        description:
          'Newest first, revoked and expired keys included. Only the prefix of a key is ever shown.',
        querystring: ListApiKeysQuery,
        response: { 200: listOf(ApiKey), ...readErrors },
      },
    },
    async (req) => {
      const page = await keys.page(req.auth.companyId, req.query);
      return { data: page.data.map(toApiKey), meta: page.meta };
    },
  );

  app.get(
    '/api-keys/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key',
        params: idParam('api_keys'),
        response: { 200: ApiKey, ...readErrors, ...notFoundResponse },
      },
    },
    async (req) => toApiKey(await keys.getOrThrow(req.auth.companyId, req.params.id)),
  );

  app.post(
    '/api-keys',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key',
        description:
          'The key acts as the user creating it (its role limits the key). The full key is in this ' +
          'response only: store it now, you will not see it again.',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...writeErrors },
      },
    },
    async (req, reply) => {
      const created = await keys.createForCaller(req.auth, {
        permission: req.body.permission,
        name: req.body.name,
        expiresAt: req.body.expires_at,
      });
      return reply.code(201).send({ ...toApiKey(created.row), key: created.key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key',
        description: 'Refused from the next request on, by every server process. Revoking twice is fine.',
        params: idParam('api_keys'),
        response: { 204: z.undefined().describe('Revoked'), ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => {
      await keys.revokeForCompany(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );
};
