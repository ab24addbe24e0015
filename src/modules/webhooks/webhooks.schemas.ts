import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import { idParams, inputString, isoDateTime, objectId, orRequired, wholeNumber } from '../../core/schemas.js';
import { DELIVERY_STATUSES } from '../../db/schema/index.js';
import { EVENT_TYPES } from '../events/index.js';

/** The event `POST /v1/webhooks/{id}/test` sends; nobody subscribes to it. */
export const TEST_EVENT_TYPE = 'webhooks.test';

const url = inputString({ error: orRequired('must be a string') })
  .trim()
  .min(1, { error: 'is required' })
  .max(2048, { error: 'must be at most 2048 characters' })
  .describe('http(s) URL that receives a POST per event; must resolve to a public address');

const events = z
  .array(z.enum(EVENT_TYPES, { error: `must be one of: ${EVENT_TYPES.join(', ')}` }), {
    error: 'must be an array of event names',
  })
  .min(1, { error: 'must list at least one event' })
  .transform((list) => [...new Set(list)])
  .describe('Event types to receive');

const description = inputString()
  .trim()
  .max(500, { error: 'must be at most 500 characters' })
  .nullable()
  .optional();

export const CreateWebhookBody = z
  .strictObject({
    url,
    events,
    description,
    active: z.boolean({ error: 'must be true or false' }).optional().describe('Default true'),
  })
  .meta({ id: 'CreateWebhook' });

export const UpdateWebhookBody = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    description,
    active: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('false pauses deliveries; true re-enables and clears the failure counter'),
  })
  .meta({ id: 'UpdateWebhook' });

export const WebhookEndpoint = z
  .object({
    id: objectId,
    uuid: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    active: z.boolean(),
    consecutive_failures: wholeNumber.describe(
      'Deliveries in a row that failed after their last retry; reset by a success',
    ),
    disabled_at: isoDateTime.nullable(),
    disabled_reason: z.string().nullable(),
    previous_secret_expires_at: isoDateTime
      .nullable()
      .describe('After a rotation: until then the previous secret also signs every delivery'),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().describe('The signing secret (whsec_…): shown only here, store it now'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookAttempt = z
  .object({
    id: objectId,
    attempted_at: isoDateTime,
    status_code: wholeNumber.nullable().describe('null when no response came (timeout, refused, …)'),
    duration_ms: wholeNumber,
    response_excerpt: z.string().nullable().describe('The first 1 KiB of the response body'),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookAttempt' });

export const WebhookDelivery = z
  .object({
    id: objectId,
    uuid: z.string().describe('Sent as the `webhook-id` header; the same on every retry'),
    webhook_id: objectId,
    event_id: z.string().describe("The event's uuid: the payload's `id`"),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempt_count: wholeNumber,
    next_attempt_at: isoDateTime.nullable().describe('When the next attempt is due (pending deliveries)'),
    last_status_code: wholeNumber.nullable(),
    last_error: z.string().nullable(),
    delivered_at: isoDateTime.nullable(),
    created_at: isoDateTime,
    updated_at: isoDateTime,
    attempts: z.array(WebhookAttempt).describe('Oldest first'),
  })
  .meta({ id: 'WebhookDelivery' });

export const DeliveryParams = idParams({ id: 'webhook_endpoints', deliveryId: 'webhook_deliveries' });

export const ListQuery = z.strictObject({ ...paginationQuery });

export type CreateWebhookInput = z.infer<typeof CreateWebhookBody>;
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookBody>;
export type WebhookEndpointOut = z.infer<typeof WebhookEndpoint>;
export type WebhookDeliveryOut = z.infer<typeof WebhookDelivery>;
