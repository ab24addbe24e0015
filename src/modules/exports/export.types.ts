// The export's record types, in dependency order: each type refers only to types before it, so
// an import can remap every id in one pass. One entry per type: the table it comes from, the
// query that selects the company's rows (`$1` is the company id; one column `data`, the row's
// database representation as jsonb), and how an import turns ids back into this instance's.
// The export (export.stream.ts) and the import (import.ts) both walk this one list.

export const EXPORT_FORMAT = 'journeybee-export';
export const EXPORT_VERSION = 1;

/** Which id map a column's value goes through on import. */
export type RefKind =
  | 'company'
  | 'user'
  | 'tag'
  | 'stage'
  | 'tier'
  | 'category'
  | 'custom_field'
  | 'custom_field_option'
  | 'campaign'
  | 'partnership'
  | 'company_partnership'
  | 'contact'
  | 'lead'
  | 'deal';

export interface RecordType {
  /** The `type` of its lines. */
  type: string;
  table: string;
  /** SELECT … AS data FROM … WHERE <the company's rows> (ORDER BY added by the cursor). */
  select: string;
  /** The ORDER BY of `select`: a stable order, so two exports of the same data are equal. */
  order: string;
  /** Columns that hold ids, and the map each goes through (required: the map must hold it). */
  refs?: Record<string, RefKind>;
  /** Nullable id columns: mapped when the map holds the id, else null (another company's). */
  optionalRefs?: Record<string, RefKind>;
  /** The map this type's new ids are kept in (the table has a uuid to match them by). */
  keeps?: RefKind;
}

// Money (numeric) is exported as a decimal string: a JSON number would lose digits in a reader.
const money = (t: string, ...cols: string[]) =>
  cols.length ? ` || jsonb_build_object(${cols.map((c) => `'${c}', ${t}.${c}::text`).join(', ')})` : '';

const own = (table: string, alias = 't') => ({
  table,
  select: `SELECT to_jsonb(${alias}) AS data FROM ${table} ${alias} WHERE ${alias}.company_id = $1`,
  order: `${alias}.id`,
});

export const RECORD_TYPES: readonly RecordType[] = [
  {
    type: 'company',
    table: 'companies',
    select: 'SELECT to_jsonb(t) AS data FROM companies t WHERE t.id = $1',
    order: 't.id',
    keeps: 'company',
  },
  {
    type: 'user',
    table: 'users',
    // Password hashes stay behind: imported people set a password again (a reset link).
    select: `SELECT to_jsonb(t) - 'password_hash' AS data FROM users t WHERE t.company_id = $1`,
    order: 't.id',
    refs: { company_id: 'company' },
    keeps: 'user',
  },
  { type: 'tag', ...own('tags'), refs: { company_id: 'company' }, keeps: 'tag' },
  { type: 'stage', ...own('stages'), refs: { company_id: 'company' }, keeps: 'stage' },
  { type: 'tier', ...own('tiers'), refs: { company_id: 'company' }, keeps: 'tier' },
  { type: 'category', ...own('categories'), refs: { company_id: 'company' }, keeps: 'category' },
  { type: 'custom_field', ...own('custom_fields'), refs: { company_id: 'company' }, keeps: 'custom_field' },
  {
    type: 'custom_field_option',
    table: 'custom_field_options',
    select: `SELECT to_jsonb(o) AS data FROM custom_field_options o
      JOIN custom_fields f ON f.id = o.custom_field_id WHERE f.company_id = $1`,
    order: 'o.id',
    refs: { custom_field_id: 'custom_field' },
    keeps: 'custom_field_option',
  },
  { type: 'campaign', ...own('campaigns'), refs: { company_id: 'company' }, keeps: 'campaign' },
  {
    // Both directions; with the other company's public facts, to find or recreate it.
    type: 'partnership',
    table: 'partnerships',
    select: `SELECT to_jsonb(p)
        || jsonb_build_object('invited_by_user_id', CASE WHEN p.company_id = $1 THEN p.invited_by_user_id END,
          'partner_company', (SELECT jsonb_build_object('id', c.id, 'uuid', c.uuid, 'name', c.name,
            'domain', c.domain, 'website_url', c.website_url, 'description', c.description,
            'country_id', c.country_id)
          FROM companies c WHERE c.id = CASE WHEN p.company_id = $1 THEN p.partner_company_id ELSE p.company_id END))
        AS data
      FROM partnerships p WHERE p.company_id = $1 OR p.partner_company_id = $1`,
    order: 'p.id',
    keeps: 'partnership',
  },
  {
    // This company's side only; the partner's side is the partner's.
    type: 'company_partnership',
    ...own('company_partnerships'),
    refs: { company_id: 'company', partner_company_id: 'company', partnership_id: 'partnership' },
    optionalRefs: { stage_id: 'stage', tier_id: 'tier', category_id: 'category' },
    keeps: 'company_partnership',
  },
  {
    type: 'company_partnership_tag',
    table: 'company_partnership_tags',
    select: `SELECT to_jsonb(x) AS data FROM company_partnership_tags x
      JOIN company_partnerships cp ON cp.id = x.company_partnership_id WHERE cp.company_id = $1`,
    order: 'x.company_partnership_id, x.tag_id',
    refs: { company_partnership_id: 'company_partnership', tag_id: 'tag' },
  },
  {
    type: 'company_partnership_user',
    table: 'company_partnership_users',
    select: `SELECT to_jsonb(x) AS data FROM company_partnership_users x
      JOIN company_partnerships cp ON cp.id = x.company_partnership_id WHERE cp.company_id = $1`,
    order: 'x.company_partnership_id, x.user_id',
    refs: { company_partnership_id: 'company_partnership', user_id: 'user' },
  },
  {
    type: 'contact',
    ...own('contacts'),
    refs: { company_id: 'company', company_partnership_id: 'company_partnership' },
    keeps: 'contact',
  },
  {
    type: 'contact_tag',
    table: 'contact_tags',
    select: `SELECT to_jsonb(x) AS data FROM contact_tags x
      JOIN contacts c ON c.id = x.contact_id WHERE c.company_id = $1`,
    order: 'x.contact_id, x.tag_id',
    refs: { contact_id: 'contact', tag_id: 'tag' },
  },
  {
    // Deleted leads too (they keep their notes and deals); `search_text` is generated.
    type: 'lead',
    table: 'leads',
    select: `SELECT to_jsonb(t) - 'search_text' AS data FROM leads t WHERE t.company_id = $1`,
    order: 't.id',
    refs: { company_id: 'company' },
    optionalRefs: { created_by_user_id: 'user', campaign_id: 'campaign' },
    keeps: 'lead',
  },
  {
    type: 'lead_tag',
    table: 'lead_tags',
    select: `SELECT to_jsonb(x) AS data FROM lead_tags x JOIN leads l ON l.id = x.lead_id WHERE l.company_id = $1`,
    order: 'x.lead_id, x.tag_id',
    refs: { lead_id: 'lead', tag_id: 'tag' },
  },
  {
    type: 'lead_user',
    table: 'lead_users',
    select: `SELECT to_jsonb(x) AS data FROM lead_users x JOIN leads l ON l.id = x.lead_id WHERE l.company_id = $1`,
    order: 'x.lead_id, x.user_id',
    refs: { lead_id: 'lead', user_id: 'user' },
  },
  {
    type: 'lead_attribution',
    table: 'lead_attributions',
    select: `SELECT to_jsonb(x) AS data FROM lead_attributions x
      JOIN leads l ON l.id = x.lead_id WHERE l.company_id = $1`,
    order: 'x.id',
    refs: { lead_id: 'lead', company_partnership_id: 'company_partnership' },
  },
  {
    // Either side's record of a shared lead, with both leads' uuids to re-link the other side's.
    type: 'partnership_lead',
    table: 'partnership_leads',
    select: `SELECT to_jsonb(x) || jsonb_build_object(
        'sent_by_user_id', CASE WHEN x.sent_by_company_id = $1 THEN x.sent_by_user_id END,
        'sender_lead_uuid', (SELECT uuid FROM leads WHERE id = x.sender_lead_id),
        'receiver_lead_uuid', (SELECT uuid FROM leads WHERE id = x.receiver_lead_id)) AS data
      FROM partnership_leads x WHERE x.sent_by_company_id = $1 OR x.received_by_company_id = $1`,
    order: 'x.id',
  },
  {
    type: 'lead_note',
    ...own('lead_notes'),
    refs: { company_id: 'company', lead_id: 'lead' },
    optionalRefs: { created_by_user_id: 'user' },
  },
  {
    // Every deal this company has a side of: the shared facts, with the owner's uuid.
    type: 'deal',
    table: 'deals',
    select: `SELECT to_jsonb(d)${money('d', 'deal_value', 'total_commission_value')}
        || jsonb_build_object('owner_company_uuid', (SELECT uuid FROM companies WHERE id = d.company_id),
          'created_by_user_id', CASE WHEN d.company_id = $1 THEN d.created_by_user_id END,
          'payment_stage_id', CASE WHEN d.company_id = $1 THEN d.payment_stage_id END) AS data
      FROM deals d WHERE d.id IN (SELECT deal_id FROM deal_sides WHERE company_id = $1)`,
    order: 'd.id',
    refs: { company_id: 'company', partnership_id: 'partnership' },
    optionalRefs: { created_by_user_id: 'user', payment_stage_id: 'stage' },
    keeps: 'deal',
  },
  {
    type: 'deal_side',
    table: 'deal_sides',
    select: 'SELECT to_jsonb(x) AS data FROM deal_sides x WHERE x.company_id = $1',
    order: 'x.deal_id',
    refs: { deal_id: 'deal', company_id: 'company' },
    optionalRefs: { lead_id: 'lead', stage_id: 'stage' },
  },
  {
    type: 'deal_tag',
    table: 'deal_tags',
    select: `SELECT to_jsonb(x) AS data FROM deal_tags x JOIN tags t ON t.id = x.tag_id WHERE t.company_id = $1`,
    order: 'x.deal_id, x.tag_id',
    refs: { deal_id: 'deal', tag_id: 'tag' },
  },
  {
    type: 'deal_user',
    table: 'deal_users',
    select: `SELECT to_jsonb(x) AS data FROM deal_users x JOIN users u ON u.id = x.user_id WHERE u.company_id = $1`,
    order: 'x.deal_id, x.user_id',
    refs: { deal_id: 'deal', user_id: 'user' },
  },
  {
    // Both sides read a partnership deal's payments; they belong to the deal's owner.
    type: 'deal_payment',
    table: 'deal_payments',
    select: `SELECT to_jsonb(x)${money('x', 'payment_value')}
        || jsonb_build_object('approved_by_user_id', CASE WHEN x.company_id = $1 THEN x.approved_by_user_id END,
          'payment_stage_id', CASE WHEN x.company_id = $1 THEN x.payment_stage_id END) AS data
      FROM deal_payments x WHERE x.deal_id IN (SELECT deal_id FROM deal_sides WHERE company_id = $1)`,
    order: 'x.id',
    refs: { deal_id: 'deal', company_id: 'company', partnership_id: 'partnership' },
    optionalRefs: { payment_stage_id: 'stage', approved_by_user_id: 'user' },
  },
  {
    type: 'deal_note',
    ...own('deal_notes'),
    refs: { company_id: 'company', deal_id: 'deal' },
    optionalRefs: { created_by_user_id: 'user' },
  },
  {
    // Values of leads, deals, partner sides and contacts (`entity_id` is mapped by `entity_type`).
    type: 'custom_field_value',
    ...own('custom_field_values'),
    refs: { company_id: 'company', custom_field_id: 'custom_field' },
  },
  {
    // Never a secret: an import makes a new one per endpoint.
    type: 'webhook_endpoint',
    table: 'webhook_endpoints',
    select: `SELECT to_jsonb(t) - 'secret_encrypted' - 'previous_secret_encrypted' - 'previous_secret_expires_at'
        AS data FROM webhook_endpoints t WHERE t.company_id = $1`,
    order: 't.id',
    refs: { company_id: 'company' },
  },
];

export const TYPE_NAMES = RECORD_TYPES.map((t) => t.type);
