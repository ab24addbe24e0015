import { type SQL, sql } from 'drizzle-orm';
import type { PartnershipStatus, PartnerType } from '../../db/schema/index.js';
import { isoText } from '../../db/statement.js';
import type { PartnerOut, TagRef } from './partners.schemas.js';

// A side: one company's record of a partnership (a `company_partnerships` row), as that company
// sees it. `sideJson` builds it in SQL, in one expression: a read gets whole sides in its one
// statement, and a write builds the sides it changed from its CTEs' outputs. From a side,
// `payloadJson` (SQL, in the write) makes the `partnership` of a `partners.*` event and
// `toPartner` the API's Partner object, so the event and the response say the same thing.

export interface UserRef {
  id: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
}
export type StageRef = NonNullable<PartnerOut['stage']>;
export type TierRef = NonNullable<PartnerOut['tier']>;
export type CategoryRef = NonNullable<PartnerOut['category']>;
export type CustomFieldRef = PartnerOut['custom_fields'][number];

/** The partner company as a side shows it, with what only the event payload carries. */
export interface PartnerCompany {
  id: number;
  uuid: string;
  name: string;
  website_url: string | null;
  email_domain: string | null;
  description: string | null;
  country: { id: number; code: string; label: string } | null;
}

/** The Partner object with ISO strings for timestamps (JSON), plus the partner's description. */
export interface SideView {
  id: number;
  uuid: string;
  /** The company whose side this is. */
  company_id: number;
  partnership_id: number;
  partnership: {
    id: number;
    uuid: string;
    status: PartnershipStatus;
    partner_type: PartnerType;
    reseller: 'company' | 'partner' | null;
    invited_by_company_id: number;
    created_at: string;
    accepted_at: string | null;
    declined_at: string | null;
  };
  direction: 'invited' | 'received';
  stage: StageRef | null;
  tier: TierRef | null;
  category: CategoryRef | null;
  partner: PartnerCompany & { fallback_data: unknown };
  assigned_users: UserRef[];
  tags: TagRef[];
  custom_fields: CustomFieldRef[];
  created_at: string;
  updated_at: string;
}

// ---- SQL pieces (each a JSON expression over the aliases it names) ----

export const stageJson = (s: SQL) =>
  sql`json_build_object('id', ${s}.id, 'uuid', ${s}.uuid, 'label', ${s}.label, 'series', ${s}.series, 'phase', ${s}.phase)`;
export const tierJson = (t: SQL) =>
  sql`json_build_object('id', ${t}.id, 'uuid', ${t}.uuid, 'label', ${t}.label,
    'background_color', ${t}.background_color, 'text_color', ${t}.text_color)`;
export const categoryJson = (c: SQL) =>
  sql`json_build_object('id', ${c}.id, 'uuid', ${c}.uuid, 'label', ${c}.label)`;
export const tagJson = (t: SQL) =>
  sql`json_build_object('id', ${t}.id, 'label', ${t}.label, 'background_color', ${t}.background_color,
    'text_color', ${t}.text_color)`;
export const userJson = (u: SQL) =>
  sql`json_build_object('id', ${u}.id, 'email', ${u}.email, 'first_name', ${u}.first_name, 'last_name', ${u}.last_name)`;
/** Tags in the order every list shows them. */
export const TAG_ORDER = (t: SQL) => sql`lower(${t}.label), ${t}.id`;

/** The partner company `pc` (a `companies` row) as a side shows it. */
export const partnerCompanyJson = (pc: SQL) =>
  sql`json_build_object('id', ${pc}.id, 'uuid', ${pc}.uuid, 'name', ${pc}.name, 'website_url', ${pc}.website_url,
    'email_domain', ${pc}.domain, 'description', ${pc}.description,
    'country', (SELECT json_build_object('id', co.id, 'code', co.code, 'label', co.label)
      FROM countries co WHERE co.id = ${pc}.country_id))`;

/**
 * Where a side's parts come from. By default everything is read from the tables, through the
 * aliases `cp` (a `company_partnerships` row) and `p` (its `partnerships` row) of the surrounding
 * query. A write that changed a part passes it instead (CTEs share one snapshot: the tables still
 * show the old rows): `cp` and `p` may be CTE names, and `partner`, `tags`, `users`,
 * `customFields` JSON expressions.
 */
export interface SideSources {
  cp: string;
  p: string;
  /** The partner company, as `partnerCompanyJson` builds it. */
  partner?: SQL | undefined;
  tags?: SQL | undefined;
  users?: SQL | undefined;
  /** The side's custom fields, as `customFieldsJson` builds them. */
  customFields?: SQL | undefined;
}

/** The side `cp` of partnership `p` as a `SideView` (JSON). */
export function sideJson(src: SideSources = { cp: 'cp', p: 'p' }): SQL<SideView> {
  const cp = sql.raw(src.cp);
  const p = sql.raw(src.p);
  const partner =
    src.partner ??
    sql`(SELECT ${partnerCompanyJson(sql`pc`)} FROM companies pc WHERE pc.id = ${cp}.partner_company_id)`;
  const users =
    src.users ??
    sql`(SELECT coalesce(json_agg(${userJson(sql`u`)} ORDER BY u.id), '[]')
      FROM company_partnership_users cpu JOIN users u ON u.id = cpu.user_id
      WHERE cpu.company_partnership_id = ${cp}.id)`;
  const tags =
    src.tags ??
    sql`(SELECT coalesce(json_agg(${tagJson(sql`tg`)} ORDER BY ${TAG_ORDER(sql`tg`)}), '[]')
      FROM company_partnership_tags cpt JOIN tags tg ON tg.id = cpt.tag_id
      WHERE cpt.company_partnership_id = ${cp}.id)`;
  const customFields =
    src.customFields ?? customFieldsJson(storedValues(sql`${cp}.company_id`, sql`${cp}.id`));
  // `reseller` is stored from the inviter's point of view; each side reads it from its own.
  return sql<SideView>`json_build_object(
    'id', ${cp}.id, 'uuid', ${cp}.uuid, 'company_id', ${cp}.company_id, 'partnership_id', ${p}.id,
    'partnership', json_build_object('id', ${p}.id, 'uuid', ${p}.uuid, 'status', ${p}.status,
      'partner_type', ${p}.partner_type,
      'reseller', CASE WHEN ${p}.company_id = ${cp}.company_id THEN ${p}.reseller
        WHEN ${p}.reseller = 'company' THEN 'partner' WHEN ${p}.reseller = 'partner' THEN 'company' END,
      'invited_by_company_id', ${p}.company_id, 'created_at', ${isoText(sql`${p}.created_at`)},
      'accepted_at', ${isoText(sql`${p}.accepted_at`)}, 'declined_at', ${isoText(sql`${p}.declined_at`)}),
    'direction', CASE WHEN ${p}.company_id = ${cp}.company_id THEN 'invited' ELSE 'received' END,
    'stage', (SELECT ${stageJson(sql`st`)} FROM stages st WHERE st.id = ${cp}.stage_id),
    'tier', (SELECT ${tierJson(sql`ti`)} FROM tiers ti WHERE ti.id = ${cp}.tier_id),
    'category', (SELECT ${categoryJson(sql`ca`)} FROM categories ca WHERE ca.id = ${cp}.category_id),
    'partner', ${partner}::jsonb || jsonb_build_object('fallback_data', ${cp}.fallback_data),
    'assigned_users', ${users},
    'tags', ${tags},
    'custom_fields', ${customFields},
    'created_at', ${isoText(sql`${cp}.created_at`)},
    'updated_at', ${isoText(sql`greatest(${cp}.updated_at, ${p}.updated_at)`)})`;
}

/**
 * The `partnership` of a `partners.*` event from a side (`side`: a jsonb column, such as a write
 * CTE's): Journeybee's partner payload (reference §3a: `uuid, company_name, company_domain,
 * company_website, company_description, country_*, stage_*, category_*, tier_*, custom_fields`)
 * as far as we store it (no industry, company email or phone; countries have a code, not a
 * uuid), with our ids, the partnership's status and type, tags and assigned users beside it.
 */
export function payloadJson(side: SQL): SQL {
  const s = side;
  return sql`jsonb_build_object(
    'id', ${s}->'id', 'uuid', ${s}->'uuid',
    'partnership_id', ${s}->'partnership_id', 'partnership_uuid', ${s}->'partnership'->'uuid',
    'status', ${s}->'partnership'->'status', 'partner_type', ${s}->'partnership'->'partner_type',
    'reseller', ${s}->'partnership'->'reseller', 'direction', ${s}->'direction',
    'company_id', ${s}->'partner'->'id', 'company_uuid', ${s}->'partner'->'uuid',
    'company_name', ${s}->'partner'->'name', 'company_domain', ${s}->'partner'->'email_domain',
    'company_website', ${s}->'partner'->'website_url', 'company_description', ${s}->'partner'->'description',
    'country_code', ${s}->'partner'->'country'->'code', 'country_label', ${s}->'partner'->'country'->'label',
    'stage_uuid', ${s}->'stage'->'uuid', 'stage_label', ${s}->'stage'->'label',
    'category_uuid', ${s}->'category'->'uuid', 'category_label', ${s}->'category'->'label',
    'tier_uuid', ${s}->'tier'->'uuid', 'tier_label', ${s}->'tier'->'label',
    'tags', ${s}->'tags', 'assigned_users', ${s}->'assigned_users', 'custom_fields', ${s}->'custom_fields',
    'accepted_at', ${s}->'partnership'->'accepted_at', 'declined_at', ${s}->'partnership'->'declined_at',
    'created_at', ${s}->'created_at', 'updated_at', ${s}->'updated_at')`;
}

/** The stored custom field values of side `entityId`: `(id, custom_field_id, value)`. */
export const storedValues = (companyId: SQL, entityId: SQL) =>
  sql`(SELECT id, custom_field_id, value FROM custom_field_values
    WHERE entity_type = 'partner' AND entity_id = ${entityId} AND company_id = ${companyId})`;

/**
 * One side's custom fields as the API shows them, ordered by field: `values` is a relation of
 * `(id, custom_field_id, value)` of that side (the stored ones, or a write's values after it).
 */
export const customFieldsJson = (values: SQL) =>
  sql`(SELECT coalesce(json_agg(json_build_object('id', f.id, 'label', f.label, 'type', f.type,
      'value', v.value, 'custom_field_value_id', v.id) ORDER BY f.id), '[]')
    FROM ${values} v JOIN custom_fields f ON f.id = v.custom_field_id)`;

// ---- what a side becomes ----

const date = (s: string) => new Date(s);
const dateOrNull = (s: string | null) => (s === null ? null : new Date(s));

/** The API's Partner object. */
export function toPartner(side: SideView): PartnerOut {
  const { partnership: p, partner } = side;
  return {
    id: side.id,
    uuid: side.uuid,
    partnership_id: side.partnership_id,
    partnership: {
      ...p,
      created_at: date(p.created_at),
      accepted_at: dateOrNull(p.accepted_at),
      declined_at: dateOrNull(p.declined_at),
    },
    direction: side.direction,
    stage: side.stage,
    tier: side.tier,
    category: side.category,
    partner: {
      id: partner.id,
      uuid: partner.uuid,
      name: partner.name,
      website_url: partner.website_url,
      email_domain: partner.email_domain,
      country: partner.country,
      fallback_data: partner.fallback_data as PartnerOut['partner']['fallback_data'],
    },
    assigned_users: side.assigned_users,
    tags: side.tags,
    custom_fields: side.custom_fields,
    created_at: date(side.created_at),
    updated_at: date(side.updated_at),
  };
}
