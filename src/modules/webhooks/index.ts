// The public face of this module: what other modules may import.

export { enqueueWebhookDeliveries } from './webhooks.outbox.js';
export { TEST_EVENT_TYPE } from './webhooks.schemas.js';
export { generateSigningSecret } from './webhooks.secrets.js';
