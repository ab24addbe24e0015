import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, idParam, noBody, readErrors, writeErrors } from '../../core/schemas.js';
import {
  CreateWebhookBody,
  DeliveryParams,
  ListQuery,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from './webhooks.schemas.js';
import type { WebhookService } from './webhooks.service.js';

const tags = ['Webhooks'];
const notFoundResponse = { 404: errorBody.describe('No such webhook endpoint in your company') };
const deliveryNotFound = { 404: errorBody.describe('No such webhook endpoint or delivery in your company') };
const disabled = { 409: errorBody.describe('The endpoint is disabled (or the delivery is being sent)') };

export const webhooksRoutes: FastifyPluginAsyncZod<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  app.get(
    '/webhooks',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: "List your company's webhook endpoints",
        querystring: ListQuery,
        response: { 200: listOf(WebhookEndpoint), ...readErrors },
      },
    },
    (req) => webhooks.list(req.auth.companyId, req.query),
  );

  app.post(
    '/webhooks',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Create a webhook endpoint',
        description:
          'Returns the signing secret (`whsec_…`) once. Deliveries are signed per Standard Webhooks ' +
          '(`webhook-id`, `webhook-timestamp`, `webhook-signature`). The URL must be http(s) and resolve ' +
          'to a public address.',
        body: CreateWebhookBody,
        response: { 201: WebhookEndpointWithSecret, ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await webhooks.create(req.auth.companyId, req.body)),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'Get a webhook endpoint',
        params: idParam('webhook_endpoints'),
        response: { 200: WebhookEndpoint, ...readErrors, ...notFoundResponse },
      },
    },
    (req) => webhooks.get(req.auth.companyId, req.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Update a webhook endpoint',
        description: 'Only the fields sent change. `active: true` re-enables a disabled endpoint.',
        params: idParam('webhook_endpoints'),
        body: UpdateWebhookBody,
        response: { 200: WebhookEndpoint, ...writeErrors, ...notFoundResponse },
      },
    },
    (req) => webhooks.update(req.auth.companyId, req.params.id, req.body),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Its deliveries and their attempts go with it.',
        params: idParam('webhook_endpoints'),
        response: { 204: z.undefined().describe('Deleted'), ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => {
      await webhooks.remove(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret once. For 24 hours the previous secret keeps signing too: each ' +
          'delivery carries both signatures in `webhook-signature`, so receivers can switch without a gap.',
        params: idParam('webhook_endpoints'),
        body: noBody,
        response: { 200: WebhookEndpointWithSecret, ...writeErrors, ...notFoundResponse },
      },
    },
    (req) => webhooks.rotateSecret(req.auth.companyId, req.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'sendWebhookTest',
        tags,
        summary: 'Send a test event',
        description: 'Queues a `webhooks.test` event for this endpoint only; returns its delivery.',
        params: idParam('webhook_endpoints'),
        body: noBody,
        response: { 202: WebhookDelivery, ...writeErrors, ...notFoundResponse, ...disabled },
      },
    },
    async (req, reply) => reply.code(202).send(await webhooks.sendTest(req.auth, req.params.id)),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "List an endpoint's deliveries",
        description: 'Newest first, each with its attempts.',
        params: idParam('webhook_endpoints'),
        querystring: ListQuery,
        response: { 200: listOf(WebhookDelivery), ...readErrors, ...notFoundResponse },
      },
    },
    (req) => webhooks.listDeliveries(req.auth.companyId, req.params.id, req.query),
  );

  app.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'Get a delivery with its attempts',
        params: DeliveryParams,
        response: { 200: WebhookDelivery, ...readErrors, ...deliveryNotFound },
      },
    },
    (req) => webhooks.getDelivery(req.auth.companyId, req.params.id, req.params.deliveryId),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'retryWebhookDelivery',
        tags,
        summary: 'Retry a delivery now',
        description: 'Makes the delivery due at once, whatever its status; the endpoint must be active.',
        params: DeliveryParams,
        body: noBody,
        response: { 202: WebhookDelivery, ...writeErrors, ...deliveryNotFound, ...disabled },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await webhooks.retryDelivery(req.auth.companyId, req.params.id, req.params.deliveryId)),
  );
};
