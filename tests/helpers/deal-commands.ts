import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import type { Db } from '../../src/db/database.js';
import { type ApiClient, uniq } from './app.js';
import { makeDealStage } from './deal-factories.js';
import { campaignBody, createLead, demo } from './leads.js';
import { sendLead } from './notifications.js';

// Tests of the deal commands (POST, PATCH, DELETE /v1/deals): deals made through the API, and
// what they wrote read back from the tables (the reads have their own tests).

/** POST /v1/deals that must answer 201. */
export async function createDeal(api: ApiClient, key: string, body: unknown) {
  const res = await api.post('/v1/deals', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; uuid: string };
}

/** The deal row, its money as text. */
export async function dealRow(db: Db, id: number) {
  const { rows } = await db.execute<Record<string, any>>(sql`
    SELECT id, uuid, company_id, partnership_id, created_by_user_id, label, deal_value::text,
      currency_code, expiration_date::text, payment_stage_id, commission_calculation,
      total_commission_value::text, integration_name, integration_custom_fields, powerups, deleted_at, updated_at
    FROM deals WHERE id = ${id}`);
  return rows[0];
}

/** Each side of the deal, by company: its role, lead, stage, tags, users and custom values. */
export async function sidesOf(db: Db, id: number) {
  const { rows } = await db.execute<Record<string, any>>(sql`
    SELECT s.company_id, s.role, s.lead_id, s.stage_id,
      (SELECT coalesce(array_agg(dt.tag_id ORDER BY dt.tag_id), '{}') FROM deal_tags dt
        JOIN tags t ON t.id = dt.tag_id WHERE dt.deal_id = s.deal_id AND t.company_id = s.company_id) AS tags,
      (SELECT coalesce(array_agg(du.user_id ORDER BY du.user_id), '{}') FROM deal_users du
        JOIN users u ON u.id = du.user_id WHERE du.deal_id = s.deal_id AND u.company_id = s.company_id) AS users,
      (SELECT coalesce(json_object_agg(v.custom_field_id, v.value), '{}') FROM custom_field_values v
        WHERE v.entity_type = 'lead_deal' AND v.entity_id = s.deal_id AND v.company_id = s.company_id) AS "values"
    FROM deal_sides s WHERE s.deal_id = ${id} ORDER BY s.role`);
  return Object.fromEntries(rows.map((r) => [r.role, r]));
}

/** The deal's payments, oldest first. */
export async function paymentsOf(db: Db, id: number) {
  const { rows } = await db.execute<Record<string, any>>(sql`
    SELECT payment_stage_id, occurrence, payment_value::text, currency_code, company_id, partnership_id
    FROM deal_payments WHERE deal_id = ${id} ORDER BY payment_stage_id, occurrence`);
  return rows;
}

/** A campaign lead of the company (no partnership). */
export const ownLead = (api: ApiClient, company: DemoCompany, overrides: Record<string, unknown> = {}) =>
  createLead(api, company.keys.write, campaignBody(company, overrides));

/**
 * Two companies in an accepted referral partnership; `partner` sent `me` a lead (assigned on
 * `me`'s side to `me`'s first user): `myLead` is `me`'s copy, `theirLead` the partner's original.
 * Each company has two deal stages and a deal tag.
 */
export async function partnershipWorld(db: Db, api: ApiClient) {
  const { me, partner } = await demo(db);
  const partnershipId = me.partners[0]!.partnership_id;
  const sent = await sendLead(api, partner.keys.write, partnershipId, [me.users[0]!.id], `Globex ${uniq()}`);
  const { rows } = await db.execute<{ receiver_lead_id: number }>(
    sql`SELECT receiver_lead_id FROM partnership_leads WHERE sender_lead_id = ${sent.id}`,
  );
  const stagesOf = async (companyId: number) => [
    await makeDealStage(db, companyId, { series: 1, phase: 'discovery' }),
    await makeDealStage(db, companyId, { series: 2, phase: 'negotiation' }),
  ];
  const tagOf = async (companyId: number) => {
    const { rows: t } = await db.execute<{ id: number; uuid: string }>(sql`
      INSERT INTO tags (company_id, label, association) VALUES (${companyId}, ${`Deal tag ${uniq()}`}, 'lead_deal')
      RETURNING id, uuid`);
    return t[0]!;
  };
  return {
    me,
    partner,
    partnershipId,
    myLead: rows[0]!.receiver_lead_id,
    theirLead: sent.id,
    myStages: await stagesOf(me.id),
    theirStages: await stagesOf(partner.id),
    myTag: await tagOf(me.id),
    theirTag: await tagOf(partner.id),
  };
}

/** A deal tag of the company. */
export async function makeDealTag(db: Db, companyId: number) {
  const { rows } = await db.execute<{ id: number; uuid: string }>(sql`
    INSERT INTO tags (company_id, label, association) VALUES (${companyId}, ${`Deal tag ${uniq()}`}, 'lead_deal')
    RETURNING id, uuid`);
  return rows[0]!;
}

/** Sets the tier (with this commission calculation) of `companyId`'s side of the partnership. */
export async function setTierCommission(
  db: Db,
  companyId: number,
  partnershipId: number,
  calculation: unknown,
) {
  await db.execute(sql`
    WITH tier AS (INSERT INTO tiers (company_id, label, commission_calculation)
      VALUES (${companyId}, ${`Tier ${uniq()}`}, ${JSON.stringify(calculation)}::jsonb) RETURNING id)
    UPDATE company_partnerships SET tier_id = (SELECT id FROM tier)
    WHERE partnership_id = ${partnershipId} AND company_id = ${companyId}`);
}

/** A commission entry: `value` fixed or percentage, at payment stage `stageId`. */
export const entry = (
  stageId: number,
  option: 'fixed' | 'percentage',
  value: string,
  occurrences?: number,
) => ({
  payment_stage_id: stageId,
  calculation: {
    type: occurrences ? 'recurring' : 'oneOff',
    option,
    value,
    ...(occurrences ? { number_of_occurrences: occurrences } : {}),
  },
});
