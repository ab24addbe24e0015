import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { isoText as iso } from '../../db/statement.js';

// The `lead` of Journeybee's lead webhooks (reference section 3a: lead_created, lead_updated,
// lead_deleted), with ISO 8601 UTC timestamps (not the legacy Unix milliseconds). Added to the
// documented shape: `id`, `status`, `source`.
//
// One SQL expression builds it, over a lead row `l` and the rows that hang off it. A write
// statement passes those rows from its own CTEs (the lead it inserted or updated, the tags and
// values it wrote: CTEs share one snapshot, so the tables still show the old rows); anything it
// did not touch is read from the tables, as `leadPayloads` reads all of it.

/**
 * Where the payload's lists come from, each a subquery correlated with the lead row `l`.
 * Absent: the lead's rows as the tables hold them.
 */
export interface PayloadSources {
  /** Rows `(tag_id)`: the lead's tags. */
  tagIds?: SQL | undefined;
  /** Rows `(user_id)`: the lead's assigned users. */
  userIds?: SQL | undefined;
  /** Rows `(uuid, custom_field_id, value)`: the lead's custom field values. */
  values?: SQL | undefined;
  /** Rows with the columns of `partnership_leads`: the partnership leads it may be part of. */
  partnershipLeads?: SQL | undefined;
}

const storedTagIds = sql`(SELECT tag_id FROM lead_tags WHERE lead_id = l.id)`;
const storedUserIds = sql`(SELECT user_id FROM lead_users WHERE lead_id = l.id)`;
const storedValues = sql`(SELECT uuid, custom_field_id, value FROM custom_field_values
  WHERE entity_type = 'lead' AND entity_id = l.id AND company_id = l.company_id)`;

/** `received_from_company` / `sent_to_companies`: the partnership leads where this lead is `side`. */
const exchanges = (
  rows: SQL,
  side: 'receiver_lead_id' | 'sender_lead_id',
  company: 'sent_by_company_id' | 'received_by_company_id',
) => sql`(
  SELECT coalesce(json_agg(json_build_object('partnership_uuid', p.uuid, 'company_name', c.name,
      'company_domain', c.domain, 'sent_date', ${iso(sql`pl.created_at`)},
      'sent_by_user_email', su.email, 'sent_by_user_first_name', su.first_name,
      'sent_by_user_last_name', su.last_name, 'partner_type', pl.partner_type) ORDER BY pl.id), '[]')
  FROM ${rows} pl
  JOIN partnerships p ON p.id = pl.partnership_id
  JOIN companies c ON c.id = pl.${sql.identifier(company)}
  LEFT JOIN users su ON su.id = pl.sent_by_user_id
  WHERE pl.${sql.identifier(side)} = l.id)`;

/**
 * The webhook `lead` (json) of the lead row `l`; `cu` must be its creator, LEFT JOINed:
 * `FROM <lead rows> l LEFT JOIN users cu ON cu.id = l.created_by_user_id` (see `leadRowsFrom`).
 */
export function leadPayloadJson(sources: PayloadSources = {}): SQL {
  const pls = sources.partnershipLeads ?? sql`partnership_leads`;
  return sql`json_build_object(
      'id', l.id, 'uuid', l.uuid, 'created_at', ${iso(sql`l.created_at`)}, 'updated_at', ${iso(sql`l.updated_at`)},
      'company_name', l.company_name, 'email', l.email, 'phone_number', l.phone_number,
      'first_name', l.first_name, 'last_name', l.last_name, 'status', l.status, 'source', l.source,
      'created_by_user_uuid', cu.uuid, 'created_by_user_email', cu.email,
      'created_by_user_first_name', cu.first_name, 'created_by_user_last_name', cu.last_name,
      'custom_fields', (
        SELECT coalesce(json_agg(json_build_object('uuid', f.uuid, 'label', f.label, 'type', f.type,
            'value', v.value, 'custom_field_value_uuid', v.uuid,
            'options', (SELECT coalesce(json_agg(json_build_object('id', o.id, 'label', o.label)
                ORDER BY o.series, o.id), '[]') FROM custom_field_options o WHERE o.custom_field_id = f.id)
          ) ORDER BY f.id), '[]')
        FROM ${sources.values ?? storedValues} v JOIN custom_fields f ON f.id = v.custom_field_id),
      'tags', (
        SELECT coalesce(json_agg(json_build_object('uuid', t.uuid, 'label', t.label)
          ORDER BY lower(t.label), t.id), '[]')
        FROM ${sources.tagIds ?? storedTagIds} lt JOIN tags t ON t.id = lt.tag_id),
      'assigned_users', (
        SELECT coalesce(json_agg(json_build_object('uuid', u.uuid, 'email', u.email,
            'first_name', u.first_name, 'last_name', u.last_name) ORDER BY u.id), '[]')
        FROM ${sources.userIds ?? storedUserIds} lu JOIN users u ON u.id = lu.user_id),
      'received_from_company', ${exchanges(pls, 'receiver_lead_id', 'sent_by_company_id')},
      'sent_to_companies', ${exchanges(pls, 'sender_lead_id', 'received_by_company_id')}
    )`;
}

/** `<rows> l LEFT JOIN users cu …`: the FROM that `leadPayloadJson` expects. */
export const leadRowsFrom = (rows: SQL) => sql`${rows} l LEFT JOIN users cu ON cu.id = l.created_by_user_id`;

export type LeadPayload = Record<string, unknown>;

/** The webhook `lead` of each lead, deleted or not, by id, with its company, as stored now. */
export async function leadPayloads(
  db: Executor,
  ids: number[],
): Promise<Map<number, { companyId: number; lead: LeadPayload }>> {
  const { rows } = await db.execute<{ id: number; company_id: number; lead: LeadPayload }>(sql`
    SELECT l.id, l.company_id, ${leadPayloadJson()} AS lead
    FROM ${leadRowsFrom(sql`leads`)}
    WHERE l.id = ANY(${sql.param(ids)}::int[])`);
  return new Map(rows.map((r) => [r.id, { companyId: r.company_id, lead: r.lead }]));
}
