import { z } from 'zod';
import { emailAddress, objectId } from '../../core/schemas.js';
import {
  CUSTOM_FIELD_TYPES,
  DEAL_SIDE_ROLES,
  DEAL_STAGE_PHASES,
  LEAD_SOURCES,
  LEAD_STATUSES,
  PARTNER_TYPES,
  PARTNERSHIP_STATUSES,
  PAYMENT_CATEGORIES,
  PAYMENT_STAGE_PHASES,
  RECIPIENT_TYPES,
  RESELLER_SIDES,
} from '../../db/schema/index.js';
import { CustomFieldValue, StoredValue } from '../custom-field-values/index.js';
import { Contact, Partner } from '../partners/index.js';
import { User } from '../users/index.js';
import { TEST_EVENT_TYPE } from '../webhooks/index.js';
import type { EventType } from './events.js';

// What each event sends to webhooks, for the OpenAPI document's `webhooks` section (generated
// clients type their receivers from it). Payloads are built elsewhere (leads.payload.ts,
// partners.events.ts, the services); docs/webhooks/samples/<type>.json hold a real delivery of
// each, and tests check both that the samples are what is sent and that they fit these schemas.

const uuid = z.uuid();
const timestamp = z.iso.datetime({ offset: true });

/** A partnership lead of `received_from_company` / `sent_to_companies`. */
const LeadExchange = z.object({
  partnership_uuid: uuid,
  company_name: z.string(),
  company_domain: z.string().nullable(),
  sent_date: timestamp,
  sent_by_user_email: emailAddress.nullable(),
  sent_by_user_first_name: z.string().nullable(),
  sent_by_user_last_name: z.string().nullable(),
  partner_type: z.enum(PARTNER_TYPES),
});

const WebhookLead = z
  .object({
    id: objectId,
    uuid,
    created_at: timestamp,
    updated_at: timestamp,
    company_name: z.string().nullable(),
    email: emailAddress.nullable(),
    phone_number: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    status: z.enum(LEAD_STATUSES),
    source: z.enum(LEAD_SOURCES),
    created_by_user_uuid: uuid.nullable(),
    created_by_user_email: emailAddress.nullable(),
    created_by_user_first_name: z.string().nullable(),
    created_by_user_last_name: z.string().nullable(),
    custom_fields: z.array(
      z.object({
        uuid: uuid.describe('The custom field (definition)'),
        label: z.string(),
        type: z.enum(CUSTOM_FIELD_TYPES),
        value: StoredValue,
        custom_field_value_uuid: uuid,
        options: z.array(z.object({ id: objectId, label: z.string() })),
      }),
    ),
    tags: z.array(z.object({ uuid, label: z.string() })),
    assigned_users: z.array(
      z.object({
        uuid,
        email: emailAddress,
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
      }),
    ),
    received_from_company: z.array(LeadExchange).describe('The partner that sent you this lead, if any'),
    sent_to_companies: z.array(LeadExchange).describe('The partners you sent this lead to'),
  })
  .meta({ id: 'WebhookLead' });

const WebhookLeadNote = z
  .object({
    uuid,
    created_at: timestamp,
    document: z.string().describe('The note as plain text'),
    lead_uuid: uuid,
    user_uuid: uuid.nullable().describe('The author; null once the author is gone'),
    user_email: emailAddress.nullable(),
    user_first_name: z.string().nullable(),
    user_last_name: z.string().nullable(),
  })
  .meta({ id: 'WebhookLeadNote' });

const labelOf = (what: string) => z.string().nullable().describe(`The ${what}'s label; null without one`);

const WebhookPartnership = z
  .object({
    id: objectId.describe('Your company partnership id'),
    uuid,
    partnership_id: objectId.describe('The partnership both companies share'),
    partnership_uuid: uuid,
    status: z.enum(PARTNERSHIP_STATUSES),
    partner_type: z.enum(PARTNER_TYPES),
    reseller: z.enum(RESELLER_SIDES).nullable(),
    direction: z.enum(['invited', 'received']).describe('`invited`: your company sent the invitation'),
    company_id: objectId.describe('The partner company'),
    company_uuid: uuid,
    company_name: z.string(),
    company_domain: z.string().nullable(),
    company_website: z.string().nullable(),
    company_description: z.string().nullable(),
    country_code: z.string().nullable(),
    country_label: z.string().nullable(),
    stage_uuid: uuid.nullable(),
    stage_label: labelOf('stage'),
    category_uuid: uuid.nullable(),
    category_label: labelOf('category'),
    tier_uuid: uuid.nullable(),
    tier_label: labelOf('tier'),
    tags: Partner.shape.tags,
    assigned_users: Partner.shape.assigned_users,
    custom_fields: z.array(CustomFieldValue),
    accepted_at: timestamp.nullable(),
    declined_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'WebhookPartnership' });

const WebhookDealNote = z
  .object({
    uuid,
    created_at: timestamp,
    updated_at: timestamp,
    document: z.string().describe('The note as plain text'),
    lead_deal_uuid: uuid.describe('The deal'),
    user_uuid: uuid.nullable().describe('The author; null for a key without a user'),
    user_email: emailAddress.nullable(),
    user_first_name: z.string().nullable(),
    user_last_name: z.string().nullable(),
  })
  .meta({ id: 'WebhookDealNote' });

const money = z.string().describe('Exact, whole currency units, with the currency minor digits ("1250.50")');
const dateText = z.iso.date().describe('YYYY-MM-DD');

/** A payment of a deal: the `Payment` of `GET /v1/deals/{id}/payments` (reference B3 and ids). */
const WebhookDealPayment = z
  .object({
    id: objectId,
    uuid,
    deal_id: objectId,
    deal_uuid: uuid,
    payment_stage_id: objectId.nullable(),
    payment_stage_label: z.string().nullable(),
    occurrence: z.number().int().min(1),
    payment_value: money,
    payment_date: dateText,
    payment_category: z.enum(PAYMENT_CATEGORIES).nullable(),
    recipient_type: z.enum(RECIPIENT_TYPES).nullable(),
    approved: z.boolean().nullable(),
    payment_processing: z.boolean(),
    payment_processing_date: timestamp.nullable(),
    payment_completed: z.boolean(),
    payment_completed_date: timestamp.nullable(),
    currency: z.object({ uuid, code: z.string(), label: z.string() }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'WebhookDealPayment' });

/** A deal as one side sees it: the shared facts, and that side's lead, stage, tags, users and values. */
const WebhookDeal = z
  .object({
    id: objectId,
    uuid,
    side: z
      .enum(DEAL_SIDE_ROLES)
      .describe('`owner`: your company made the deal; `partner`: a partner shares it'),
    created_at: timestamp,
    updated_at: timestamp,
    label: z.string(),
    deal_value: money,
    total_commission_value: money,
    commission_calculation: z
      .object({ entries: z.array(z.record(z.string(), z.unknown())) })
      .nullable()
      .describe('As `GET /v1/deals/{id}/commission` shows it; null: no commission'),
    expiration_date: dateText.nullable(),
    currency_code: z.string(),
    currency_label: z.string(),
    lead_uuid: uuid.nullable().describe('Your lead (null: a partner deal on a lead you have no copy of)'),
    lead_created_at: timestamp.nullable(),
    stage_uuid: uuid.nullable().describe('Your stage of the deal'),
    stage_label: labelOf('stage'),
    stage_phase: z.enum(DEAL_STAGE_PHASES).nullable(),
    payment_stage_uuid: uuid.nullable(),
    payment_stage_label: labelOf('payment stage'),
    payment_stage_phase: z.enum(PAYMENT_STAGE_PHASES).nullable(),
    partnership_uuid: uuid.nullable(),
    partnership_name: z.string().nullable().describe('The other company of a partnership deal'),
    partner_company_name: z.string().nullable(),
    partner_company_domain: z.string().nullable(),
    custom_fields: WebhookLead.shape.custom_fields.describe('Your `lead_deal` custom values'),
    tags: z.array(
      z.object({ uuid, label: z.string(), background_color: z.string(), text_color: z.string() }),
    ),
    assigned_users: z.array(
      z.object({
        id: objectId,
        uuid,
        email: emailAddress,
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
      }),
    ),
    payments: z.array(WebhookDealPayment),
  })
  .meta({ id: 'WebhookDeal' });

const WebhookTest = z.object({
  message: z.string(),
  webhook: z.object({ id: objectId, uuid, url: z.string() }).describe('The endpoint the test was sent to'),
});

export type WebhookEventType = EventType | typeof TEST_EVENT_TYPE;

/** Each event's `data` and what it means, in the order of EVENT_TYPES. */
const EVENTS = {
  'leads.create': {
    data: z.object({ lead: WebhookLead }),
    description:
      'A lead was created in your company: by you, or as your copy of a lead a partner sent you (then `received_from_company` names the partner).',
  },
  'leads.update': { data: z.object({ lead: WebhookLead }), description: 'One of your leads changed.' },
  'leads.delete': {
    data: z.object({ lead: WebhookLead }),
    description: 'One of your leads was deleted: its last state.',
  },
  'leads.notes_create': {
    data: z.object({ note: WebhookLeadNote }),
    description: 'A note was added to one of your leads.',
  },
  'leads.notes_update': {
    data: z.object({ note: WebhookLeadNote }),
    description: 'A note on one of your leads changed.',
  },
  'leads.notes_delete': {
    data: z.object({ note: WebhookLeadNote }),
    description: 'A note on one of your leads was deleted: its last state.',
  },
  'partners.create': {
    data: z.object({ partnership: WebhookPartnership }),
    description:
      'A partnership of your company began: you invited a partner, or a company invited yours (`direction`).',
  },
  'partners.update': {
    data: z.object({ partnership: WebhookPartnership }),
    description: 'Your side of a partnership changed, or the partnership was accepted or declined.',
  },
  'partners.contact_create': {
    data: z.object({ contact: Contact }),
    description: 'A contact was added to one of your partners.',
  },
  'partners.contact_update': {
    data: z.object({ contact: Contact }),
    description: "One of your partners' contacts changed.",
  },
  'users.create': {
    data: z.object({ user: User }),
    description: 'A user was added to your company.',
  },
  'deals.create': {
    data: z.object({ deal: WebhookDeal }),
    description:
      'A deal was created: by your company, or by a partner on a lead of your partnership (then `side` is `partner`).',
  },
  'deals.update': { data: z.object({ deal: WebhookDeal }), description: 'A deal you see changed.' },
  'deals.delete': {
    data: z.object({ deal: WebhookDeal }),
    description: 'A deal you see was deleted by its owner: its last state.',
  },
  'deals.notes_create': {
    data: z.object({ note: WebhookDealNote }),
    description: 'A note was added to your side of a deal.',
  },
  'deals.notes_update': {
    data: z.object({ note: WebhookDealNote }),
    description: 'A note on your side of a deal changed.',
  },
  'deals.notes_delete': {
    data: z.object({ note: WebhookDealNote }),
    description: 'A note on your side of a deal was deleted: its last state.',
  },
  'payments.create': {
    data: z.object({
      payment: WebhookDealPayment,
      deal: z.object({ uuid, label: z.string() }),
    }),
    description: 'A deal you see entered a payment stage its commission names: a payment is due.',
  },
  'payments.update': {
    data: z.object({
      payment: WebhookDealPayment,
      deal: z.object({ uuid, label: z.string() }),
    }),
    description: "A payment was approved, rejected, marked processing or completed by the deal's owner.",
  },
  [TEST_EVENT_TYPE]: {
    data: WebhookTest,
    description: 'Sent by `POST /v1/webhooks/{id}/test` to that endpoint only; nobody subscribes to it.',
  },
} satisfies Record<WebhookEventType, { data: z.ZodType; description: string }>;

/** `leads.notes_create` → `LeadsNotesCreateEvent`: the event's component name. */
export const eventSchemaId = (type: string) =>
  `${type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Event`;

/** Every event that webhooks receive, with the schema of its whole body (the envelope). */
export const WEBHOOK_EVENTS = Object.entries(EVENTS).map(([type, { data, description }]) => ({
  type,
  description,
  schema: z
    .object({
      id: uuid.describe('The event id: the same in every delivery and retry of the event'),
      type: z.literal(type),
      timestamp: timestamp.describe('When the event happened'),
      data,
    })
    .meta({ id: eventSchemaId(type), description }),
}));
