import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { isoText as iso } from '../../db/statement.js';
import { moneyText } from './deals.money.js';

// The `deal` of the deal webhooks (`deals.create`, `deals.update`, `deals.delete`), one per side:
// reference §3b's Gen B `deals.create` fields plus Gen A's `stage_phase`, `payment_stage_uuid`,
// `partner_company_name`/`_domain`, and `id`, `side`. Money is a string with the currency's minor
// digits; timestamps ISO 8601 UTC; `commission_calculation` the calculation object (or null).
// Each side sees the shared facts (value, currency, commission, payments) and its own lead,
// stage, tags, assigned users and custom values.
//
// One SQL expression builds it over a deal row `d` and a side row `s` (see `dealRowsFrom`). A
// write passes the rows it wrote from its own CTEs (they share one snapshot: the tables still
// show the old rows); whatever it did not touch is read from the tables, as `dealPayloads` reads
// all of it. Lists are filtered to the side's company (a tag, user or field is one company's),
// so a source may hold both sides' rows.

/** Where the payload's lists come from, each a subquery that may use `d` and `s`. */
export interface DealPayloadSources {
  /** Rows `(tag_id)`: the deal's tags. */
  tagIds?: SQL | undefined;
  /** Rows `(user_id)`: the deal's assigned users. */
  userIds?: SQL | undefined;
  /** Rows `(uuid, custom_field_id, value)`: the deal's custom values. */
  values?: SQL | undefined;
  /** Rows with the columns of `deal_payments` (see PAYMENT_COLUMNS): the deal's payments. */
  payments?: SQL | undefined;
}

/** The `deal_payments` columns a payment payload needs (`insertDuePayments` RETURNs them). */
export const PAYMENT_COLUMNS = sql.raw(
  'id, uuid, deal_id, payment_stage_id, occurrence, payment_value, currency_code, payment_date, payment_category, recipient_type, approved, payment_processing, payment_processing_date, payment_completed, payment_completed_date, created_at, updated_at',
);

export const storedPayments = sql`(SELECT ${PAYMENT_COLUMNS} FROM deal_payments WHERE deal_id = d.id)`;
const storedTagIds = sql`(SELECT tag_id FROM deal_tags WHERE deal_id = d.id)`;
const storedUserIds = sql`(SELECT user_id FROM deal_users WHERE deal_id = d.id)`;
const storedValues = sql`(SELECT uuid, custom_field_id, value FROM custom_field_values
  WHERE entity_type = 'lead_deal' AND entity_id = d.id)`;

/**
 * A payment row `pay` as the API and its events show it (the `Payment` schema: B3 with ids, the
 * deal's uuid, the payment stage and the occurrence); `d` is its deal.
 */
export const paymentJson = (pay = sql`pay`) => sql`json_build_object(
    'id', ${pay}.id, 'uuid', ${pay}.uuid, 'deal_id', ${pay}.deal_id, 'deal_uuid', d.uuid,
    'payment_stage_id', ${pay}.payment_stage_id,
    'payment_stage_label', (SELECT pst.label FROM stages pst WHERE pst.id = ${pay}.payment_stage_id),
    'occurrence', ${pay}.occurrence,
    'payment_value', ${moneyText(sql`${pay}.payment_value`, sql`${pay}.currency_code`)},
    'payment_date', ${pay}.payment_date::text,
    'payment_category', ${pay}.payment_category, 'recipient_type', ${pay}.recipient_type,
    'approved', ${pay}.approved, 'payment_processing', ${pay}.payment_processing,
    'payment_processing_date', ${iso(sql`${pay}.payment_processing_date`)},
    'payment_completed', ${pay}.payment_completed,
    'payment_completed_date', ${iso(sql`${pay}.payment_completed_date`)},
    'currency', (SELECT json_build_object('uuid', c.uuid, 'code', c.code, 'label', c.label)
      FROM currencies c WHERE c.code = ${pay}.currency_code),
    'created_at', ${iso(sql`${pay}.created_at`)}, 'updated_at', ${iso(sql`${pay}.updated_at`)})`;

/**
 * The webhook `deal` (json) of deal row `d` seen by side `s`; the FROM must be `dealRowsFrom`'s
 * (it joins the side's lead `l`, stages `st`/`ps`, currency `cur` and the other company `oc`).
 */
export function dealPayloadJson(sources: DealPayloadSources = {}): SQL {
  return sql`json_build_object(
      'id', d.id, 'uuid', d.uuid, 'side', s.role,
      'created_at', ${iso(sql`d.created_at`)}, 'updated_at', ${iso(sql`d.updated_at`)},
      'label', d.label,
      'deal_value', round(d.deal_value, cur.minor_digits)::text,
      'total_commission_value', round(d.total_commission_value, cur.minor_digits)::text,
      'commission_calculation', d.commission_calculation,
      'expiration_date', d.expiration_date::text,
      'currency_code', d.currency_code, 'currency_label', cur.label,
      'lead_uuid', l.uuid, 'lead_created_at', ${iso(sql`l.created_at`)},
      'stage_uuid', st.uuid, 'stage_label', st.label, 'stage_phase', st.phase,
      'payment_stage_uuid', ps.uuid, 'payment_stage_label', ps.label, 'payment_stage_phase', ps.phase,
      'partnership_uuid', p.uuid, 'partnership_name', oc.name,
      'partner_company_name', oc.name, 'partner_company_domain', oc.domain,
      'custom_fields', (
        SELECT coalesce(json_agg(json_build_object('uuid', f.uuid, 'label', f.label, 'type', f.type,
            'value', v.value, 'custom_field_value_uuid', v.uuid,
            'options', (SELECT coalesce(json_agg(json_build_object('id', o.id, 'label', o.label)
                ORDER BY o.series, o.id), '[]') FROM custom_field_options o WHERE o.custom_field_id = f.id)
          ) ORDER BY f.id), '[]')
        FROM ${sources.values ?? storedValues} v JOIN custom_fields f ON f.id = v.custom_field_id
        WHERE f.company_id = s.company_id),
      'tags', (
        SELECT coalesce(json_agg(json_build_object('uuid', t.uuid, 'label', t.label,
            'background_color', t.background_color, 'text_color', t.text_color)
          ORDER BY lower(t.label), t.id), '[]')
        FROM ${sources.tagIds ?? storedTagIds} dt JOIN tags t ON t.id = dt.tag_id
        WHERE t.company_id = s.company_id),
      'assigned_users', (
        SELECT coalesce(json_agg(json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
            'first_name', u.first_name, 'last_name', u.last_name) ORDER BY u.id), '[]')
        FROM ${sources.userIds ?? storedUserIds} du JOIN users u ON u.id = du.user_id
        WHERE u.company_id = s.company_id),
      'payments', (
        SELECT coalesce(json_agg(${paymentJson()} ORDER BY pay.payment_stage_id, pay.occurrence, pay.id), '[]')
        FROM ${sources.payments ?? storedPayments} pay)
    )`;
}

/**
 * `<deals> d JOIN <sides> s …`: the FROM `dealPayloadJson` expects. `oc` is the other company of
 * a partnership deal as seen from the side (the partner for the owner, the owner for the partner).
 */
export const dealRowsFrom = (deals: SQL, sides: SQL) => sql`${deals} d
  JOIN ${sides} s ON s.deal_id = d.id
  JOIN currencies cur ON cur.code = d.currency_code
  LEFT JOIN leads l ON l.id = s.lead_id
  LEFT JOIN stages st ON st.id = s.stage_id
  LEFT JOIN stages ps ON ps.id = d.payment_stage_id
  LEFT JOIN partnerships p ON p.id = d.partnership_id
  LEFT JOIN companies oc ON oc.id = CASE WHEN p.company_id = s.company_id THEN p.partner_company_id
    ELSE p.company_id END`;

export type DealPayload = Record<string, unknown>;

/** Each side's webhook `deal` of each deal (deleted or not), as stored now: `deal id → company id → deal`. */
export async function dealPayloads(
  db: Executor,
  ids: number[],
): Promise<Map<number, Map<number, DealPayload>>> {
  const { rows } = await db.execute<{ id: number; company_id: number; deal: DealPayload }>(sql`
    SELECT d.id, s.company_id, ${dealPayloadJson()} AS deal
    FROM ${dealRowsFrom(sql`deals`, sql`deal_sides`)}
    WHERE d.id = ANY(${sql.param(ids)}::int[])`);
  const out = new Map<number, Map<number, DealPayload>>();
  for (const r of rows) {
    const sides = out.get(r.id) ?? new Map<number, DealPayload>();
    sides.set(r.company_id, r.deal);
    out.set(r.id, sides);
  }
  return out;
}
