import { conflict, notFound } from '../../core/errors.js';
import type { DeliveryWithAttempts, Requeue, TestDelivery } from './webhooks.repository.js';
import type { UpdateWebhookInput } from './webhooks.schemas.js';

// The webhook commands' rules, pure. Each write is one guarded statement that reports what it
// found; these turn a write that changed nothing into the error the API has always given.

export const disabledEndpoint = () =>
  conflict('This webhook endpoint is disabled: re-enable it (PATCH with "active": true) first');

export const beingSent = () =>
  conflict('This delivery is being sent right now; retry it once the attempt has finished');

/** An update's plan: the fields sent besides `active`, and `active` (undefined: not sent). */
export function updatePlan(input: UpdateWebhookInput) {
  const { active, ...rest } = input;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Omit<
    UpdateWebhookInput,
    'active'
  >;
  return { fields, active, changesNothing: Object.keys(fields).length === 0 && active === undefined };
}

/** The test delivery, or why none was made: no such endpoint (404), a disabled one (409). */
export function testOutcome(written: TestDelivery): DeliveryWithAttempts {
  if (written.endpointActive === null) throw notFound('Webhook');
  if (!written.endpointActive || !written.delivery) throw disabledEndpoint();
  return written.delivery;
}

/**
 * The requeued delivery, or why it was not: no such endpoint (404) or delivery of it (404),
 * a worker sending it right now (409), a disabled endpoint (409), in that order.
 */
export function retryOutcome(written: Requeue): DeliveryWithAttempts {
  if (written.endpointActive === null) throw notFound('Webhook');
  if (written.delivery) return written.delivery;
  if (written.deliveryFree === null) throw notFound('Delivery');
  // Free but not requeued with an active endpoint: a worker took it in between.
  if (!written.deliveryFree || written.endpointActive) throw beingSent();
  throw disabledEndpoint();
}
