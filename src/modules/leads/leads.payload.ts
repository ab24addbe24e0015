import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';

// The `lead` of Journeybee's lead webhooks (reference section 3a: lead_created, lead_updated,
// lead_deleted), built by one query in the writing transaction, with ISO 8601 UTC timestamps
// (not the legacy Unix milliseconds). Added to the documented shape: `id`, `status`, `source`.

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `received_from_company` / `sent_to_companies`: the partnership leads where this lead is `side`. */
const exchanges = (
  side: 'receiver_lead_id' | 'sender_lead_id',
  company: 'sent_by_company_id' | 'received_by_company_id',
) =>
  sql.raw(`(
  SELECT coalesce(json_agg(json_build_object('partnership_uuid', p.uuid, 'company_name', c.name,
      'company_domain', c.domain, 'sent_date', ${iso('pl.created_at')},
      'sent_by_user_email', su.email, 'sent_by_user_first_name', su.first_name,
      'sent_by_user_last_name', su.last_name, 'partner_type', pl.partner_type) ORDER BY pl.id), '[]')
  FROM partnership_leads pl
  JOIN partnerships p ON p.id = pl.partnership_id
  JOIN companies c ON c.id = pl.${company}
  LEFT JOIN users su ON su.id = pl.sent_by_user_id
  WHERE pl.${side} = l.id)`);

export type LeadPayload = Record<string, unknown>;

/** The webhook `lead` of each lead, deleted or not, by id, with its company. */
export async function leadPayloads(
  db: Executor,
  ids: number[],
): Promise<Map<number, { companyId: number; lead: LeadPayload }>> {
  const { rows } = await db.execute<{ id: number; company_id: number; lead: LeadPayload }>(sql`
    SELECT l.id, l.company_id, json_build_object(
      'id', l.id, 'uuid', l.uuid, 'created_at', ${sql.raw(iso('l.created_at'))}, 'updated_at', ${sql.raw(iso('l.updated_at'))},
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
        FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id
        WHERE v.entity_type = 'lead' AND v.entity_id = l.id AND v.company_id = l.company_id),
      'tags', (
        SELECT coalesce(json_agg(json_build_object('uuid', t.uuid, 'label', t.label)
          ORDER BY lower(t.label), t.id), '[]')
        FROM lead_tags lt JOIN tags t ON t.id = lt.tag_id WHERE lt.lead_id = l.id),
      'assigned_users', (
        SELECT coalesce(json_agg(json_build_object('uuid', u.uuid, 'email', u.email,
            'first_name', u.first_name, 'last_name', u.last_name) ORDER BY u.id), '[]')
        FROM lead_users lu JOIN users u ON u.id = lu.user_id WHERE lu.lead_id = l.id),
      'received_from_company', ${exchanges('receiver_lead_id', 'sent_by_company_id')},
      'sent_to_companies', ${exchanges('sender_lead_id', 'received_by_company_id')}
    ) AS lead
    FROM leads l LEFT JOIN users cu ON cu.id = l.created_by_user_id
    WHERE ${inArray(sql`l.id`, ids)}`);
  return new Map(rows.map((r) => [r.id, { companyId: r.company_id, lead: r.lead }]));
}
