import type { AuthContext } from '../../core/auth-context.js';
import { notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import {
  type DeliveryWithAttempts,
  type EndpointRow,
  webhooksRepository as repo,
} from './webhooks.repository.js';
import { retryOutcome, testOutcome, updatePlan } from './webhooks.rules.js';
import {
  type CreateWebhookInput,
  TEST_EVENT_TYPE,
  type UpdateWebhookInput,
  type WebhookDeliveryOut,
  type WebhookEndpointOut,
} from './webhooks.schemas.js';
import { generateSigningSecret, type SecretBox } from './webhooks.secrets.js';
import { checkWebhookUrl } from './webhooks.ssrf.js';

type Actor = Pick<AuthContext, 'companyId' | 'keyId'>;

export const MANUAL_DISABLE_REASON = 'Disabled through the API (active: false)';

/** The endpoint as the API shows it: never a secret, the previous one's expiry only while it signs. */
export function toEndpoint(row: EndpointRow, now = new Date()): WebhookEndpointOut {
  const expires = row.previous_secret_expires_at;
  return {
    id: row.id,
    uuid: row.uuid,
    url: row.url,
    description: row.description,
    events: row.events,
    active: row.active,
    consecutive_failures: row.consecutive_failures,
    disabled_at: row.disabled_at,
    disabled_reason: row.disabled_reason,
    previous_secret_expires_at: expires && expires > now ? expires : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toDelivery(row: DeliveryWithAttempts): WebhookDeliveryOut {
  return {
    id: row.id,
    uuid: row.uuid,
    webhook_id: row.endpoint_id,
    event_id: row.event_uuid,
    event_type: row.event_type,
    status: row.status,
    attempt_count: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    delivered_at: row.delivered_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    attempts: row.attemptRows.map((a) => ({
      id: a.id,
      attempted_at: a.attempted_at,
      status_code: a.status_code,
      duration_ms: a.duration_ms,
      response_excerpt: a.response_excerpt,
      error: a.error,
    })),
  };
}

const TEST_MESSAGE = 'A test event from Journeybee: your endpoint is receiving webhooks.';

export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly allowPrivateNetworks: boolean,
  ) {}

  /** A 400 naming `url` unless it is http(s), without credentials, and (SSRF) points to a public host. */
  private async checkUrl(url: string): Promise<void> {
    const check = await checkWebhookUrl(url, this.allowPrivateNetworks);
    if (check.ok) return;
    const problems = new FieldProblems();
    problems.add(['url'], check.reason);
    problems.throwIfAny();
  }

  private async endpointOrThrow(companyId: number, id: number) {
    const row = await repo.findById(this.db, companyId, id);
    if (!row) throw notFound('Webhook');
    return row;
  }

  async create(companyId: number, input: CreateWebhookInput) {
    await this.checkUrl(input.url);
    const secret = generateSigningSecret();
    const row = await repo.insert(this.db, {
      company_id: companyId,
      url: input.url,
      events: input.events,
      description: input.description ?? null,
      active: input.active ?? true,
      secret_encrypted: await this.secrets.encrypt(secret),
      ...(input.active === false ? { disabled_at: new Date(), disabled_reason: MANUAL_DISABLE_REASON } : {}),
    });
    return { ...toEndpoint(row), secret };
  }

  async list(companyId: number, page: Page) {
    const { rows, total } = await repo.list(this.db, companyId, page);
    return { data: rows.map((r) => toEndpoint(r)), meta: pageMeta(total, page.pageSize) };
  }

  async get(companyId: number, id: number): Promise<WebhookEndpointOut> {
    return toEndpoint(await this.endpointOrThrow(companyId, id));
  }

  /**
   * Changes the fields sent, in one UPDATE. `active: false` pauses the endpoint (its pending
   * deliveries wait); `active: true` on a paused or disabled endpoint clears the failure counter
   * and resumes them.
   */
  async update(companyId: number, id: number, input: UpdateWebhookInput): Promise<WebhookEndpointOut> {
    if (input.url !== undefined) await this.checkUrl(input.url);
    const plan = updatePlan(input);
    if (plan.changesNothing) return this.get(companyId, id);
    const row = await repo.update(this.db, companyId, id, plan.fields, plan.active, MANUAL_DISABLE_REASON);
    if (!row) throw notFound('Webhook');
    return toEndpoint(row);
  }

  /** Deletes the endpoint with its deliveries and their attempts. */
  async remove(companyId: number, id: number): Promise<void> {
    if (!(await repo.remove(this.db, companyId, id))) throw notFound('Webhook');
  }

  /** A new secret, shown once; the previous one keeps signing beside it for 24 hours. */
  async rotateSecret(companyId: number, id: number) {
    const secret = generateSigningSecret();
    const row = await repo.rotateSecret(this.db, companyId, id, await this.secrets.encrypt(secret));
    if (!row) throw notFound('Webhook');
    return { ...toEndpoint(row), secret };
  }

  /** Queues a `webhooks.test` event for this endpoint only, through the normal delivery pipeline. */
  async sendTest(actor: Actor, id: number): Promise<WebhookDeliveryOut> {
    const written = await repo.insertTestDelivery(this.db, actor.companyId, id, {
      type: TEST_EVENT_TYPE,
      message: TEST_MESSAGE,
      apiKeyId: actor.keyId,
    });
    return toDelivery(testOutcome(written));
  }

  async listDeliveries(companyId: number, id: number, page: Page) {
    await this.endpointOrThrow(companyId, id);
    const { rows, total } = await repo.listDeliveries(this.db, id, page);
    return { data: rows.map(toDelivery), meta: pageMeta(total, page.pageSize) };
  }

  async getDelivery(companyId: number, id: number, deliveryId: number): Promise<WebhookDeliveryOut> {
    await this.endpointOrThrow(companyId, id);
    const row = await repo.findDelivery(this.db, id, deliveryId);
    if (!row) throw notFound('Delivery');
    return toDelivery(row);
  }

  /** Makes the delivery due now (any status); the endpoint must be active. */
  async retryDelivery(companyId: number, id: number, deliveryId: number): Promise<WebhookDeliveryOut> {
    return toDelivery(retryOutcome(await repo.requeue(this.db, companyId, id, deliveryId)));
  }
}
