import type { PartnerRow } from './partners.repository.js';
import type { PartnerOut } from './partners.schemas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * The `partnership` of a `partners.*` event, as one company sees the partnership: Journeybee's
 * partner payload (reference §3a: `uuid, company_name, company_domain, company_website,
 * company_description, country_*, stage_*, category_*, tier_*, custom_fields`) as far as we store
 * it (no industry, company email or phone; countries have a code, not a uuid), with our ids, the
 * partnership's status and type, tags and assigned users beside it.
 */
export function partnershipPayload(row: PartnerRow, partner: PartnerOut) {
  const { partnership } = partner;
  return {
    id: partner.id,
    uuid: partner.uuid,
    partnership_id: partnership.id,
    partnership_uuid: partnership.uuid,
    status: partnership.status,
    partner_type: partnership.partner_type,
    reseller: partnership.reseller,
    direction: partner.direction,
    company_id: row.partner.id,
    company_uuid: row.partner.uuid,
    company_name: row.partner.name,
    company_domain: row.partner.domain,
    company_website: row.partner.website_url,
    company_description: row.partner.description,
    country_code: row.country?.code ?? null,
    country_label: row.country?.label ?? null,
    stage_uuid: row.stage?.uuid ?? null,
    stage_label: row.stage?.label ?? null,
    category_uuid: row.category?.uuid ?? null,
    category_label: row.category?.label ?? null,
    tier_uuid: row.tier?.uuid ?? null,
    tier_label: row.tier?.label ?? null,
    tags: partner.tags,
    assigned_users: partner.assigned_users,
    custom_fields: partner.custom_fields,
    accepted_at: iso(partnership.accepted_at),
    declined_at: iso(partnership.declined_at),
    created_at: iso(partner.created_at),
    updated_at: iso(partner.updated_at),
  };
}
