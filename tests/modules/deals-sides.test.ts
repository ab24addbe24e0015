import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { createDeal, dealRow, makeDealTag, partnershipWorld, sidesOf } from '../helpers/deal-commands.js';
import { makeUser } from '../helpers/factories.js';

// Two companies, one partnership deal: the partner sent a lead, the receiver made a deal on its
// copy. Each side has its own stage, tags, users and custom values; both have the same value;
// the shared fields and the delete are the owner's (the partner gets 403).

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { relay: false });
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;
const OWNER_ONLY = {
  error:
    'Only the company that owns this deal can change its label, value, currency, expiration date, payment stage or commission, or delete it',
  code: 'forbidden',
};

async function partnershipDeal() {
  const w = await partnershipWorld(db(), api());
  const myField = await makeCustomField(db(), w.me.id, 'text', { category: 'lead_deal' });
  const theirField = await makeCustomField(db(), w.partner.id, 'number', { category: 'lead_deal' });
  const deal = await createDeal(api(), w.me.keys.write, {
    lead_id: w.myLead,
    deal_value: '2500.00',
    tags: [w.myTag.id],
    assignedUsers: [w.me.users[0]!.id],
    customFields: [{ customFieldId: myField.id, type: 'text', value: { text: 'mine' } }],
    partnerCustomFields: [{ customFieldId: theirField.id, type: 'number', value: { number: 7 } }],
  });
  return { ...w, deal, myField, theirField };
}

describe('a partnership deal has two sides', () => {
  it('is inferred from the lead the partner sent: each side its lead, first stage, tags, users and values', async () => {
    const w = await partnershipDeal();
    expect((await dealRow(db(), w.deal.id))!.partnership_id).toBe(w.partnershipId);
    expect(await sidesOf(db(), w.deal.id)).toEqual({
      owner: {
        company_id: w.me.id,
        role: 'owner',
        lead_id: w.myLead,
        stage_id: w.myStages[0]!.id,
        tags: [w.myTag.id],
        users: [w.me.users[0]!.id],
        values: { [w.myField.id]: { text: 'mine' } },
      },
      partner: {
        company_id: w.partner.id,
        role: 'partner',
        lead_id: w.theirLead,
        stage_id: w.theirStages[0]!.id,
        tags: [],
        users: [],
        values: { [w.theirField.id]: { number: 7 } },
      },
    });
  });

  it("checks partnerCustomFields against the partner's fields, not the caller's", async () => {
    const w = await partnershipWorld(db(), api());
    const myField = await makeCustomField(db(), w.me.id, 'number', { category: 'lead_deal' });
    const res = await api().post('/v1/deals', {
      key: w.me.keys.write,
      body: {
        lead_id: w.myLead,
        partnerCustomFields: [{ customFieldId: myField.id, type: 'number', value: { number: 1 } }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: any) => d.path)).toEqual(['partnerCustomFields[0].customFieldId']);
  });

  it('the partner changes its own stage, tags, users and values; the owner side stays as it was', async () => {
    const w = await partnershipDeal();
    const theirUser = await makeUser(db(), w.partner.id);
    const before = await sidesOf(db(), w.deal.id);
    const res = await api().patch(`/v1/deals/${w.deal.uuid}`, {
      key: w.partner.keys.write,
      body: {
        stage_id: w.theirStages[1]!.id,
        tag_uuids: [w.theirTag.uuid],
        assignedUsers: [theirUser.id],
        customFields: [{ customFieldId: w.theirField.id, type: 'number', value: { number: 8 } }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = await sidesOf(db(), w.deal.id);
    expect(after.owner).toEqual(before.owner);
    expect(after.partner).toMatchObject({
      stage_id: w.theirStages[1]!.id,
      tags: [w.theirTag.id],
      users: [theirUser.id],
      values: { [w.theirField.id]: { number: 8 } },
    });
    // The owner replaces its tags and users: the partner's stay.
    const mine = await makeDealTag(db(), w.me.id);
    const owner = await api().patch(`/v1/deals/${w.deal.id}`, {
      key: w.me.keys.write,
      body: { tags: [mine.id], assignedUsers: [] },
    });
    expect(owner.status).toBe(200);
    const last = await sidesOf(db(), w.deal.id);
    expect([last.owner.tags, last.owner.users]).toEqual([[mine.id], []]);
    expect([last.partner.tags, last.partner.users]).toEqual([[w.theirTag.id], [theirUser.id]]);
  });

  it("neither side can use the other's stages, tags, users or fields", async () => {
    const w = await partnershipDeal();
    const res = await api().patch(`/v1/deals/${w.deal.id}`, {
      key: w.partner.keys.write,
      body: {
        stage_id: w.myStages[1]!.id,
        tags: [w.myTag.id],
        assignedUsers: [w.me.users[0]!.id],
        customFields: [{ customFieldId: w.myField.id, type: 'text', value: { text: 'x' } }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: any) => d.path).sort()).toEqual(
      ['assignedUsers[0]', 'customFields[0].customFieldId', 'stage_id', 'tags[0]'].sort(),
    );
  });

  it('the partner gets 403 on every shared field and on DELETE, and nothing changes', async () => {
    const w = await partnershipDeal();
    const before = await dealRow(db(), w.deal.id);
    for (const body of [
      { label: 'Mine now' },
      { deal_label: 'Mine now' },
      { deal_value: '1' },
      { currency_code: 'EUR' },
      { expiration_date: null },
      { payment_stage_id: null },
      { stage_id: w.theirStages[1]!.id, deal_value: '1' },
    ]) {
      const res = await api().patch(`/v1/deals/${w.deal.id}`, { key: w.partner.keys.write, body });
      expect({ body, status: res.status, res: res.body }).toEqual({ body, status: 403, res: OWNER_ONLY });
    }
    const del = await api().delete(`/v1/lead-deals/${w.deal.id}`, { key: w.partner.keys.write });
    expect([del.status, del.body]).toEqual([403, OWNER_ONLY]);
    expect(await dealRow(db(), w.deal.id)).toEqual(before);
    expect((await sidesOf(db(), w.deal.id)).partner.stage_id).toBe(w.theirStages[0]!.id);
  });

  it('both sides see the same value: the owner changes it for both', async () => {
    const w = await partnershipDeal();
    const res = await api().patch(`/v1/deals/${w.deal.id}`, {
      key: w.me.keys.write,
      body: { deal_value: '0.30', label: 'Shared' },
    });
    expect(res.status).toBe(200);
    const { rows } = await db().execute<{ company_id: number; deal_value: string; label: string }>(sql`
      SELECT s.company_id, d.deal_value::text, d.label FROM deal_sides s JOIN deals d ON d.id = s.deal_id
      WHERE d.id = ${w.deal.id} ORDER BY s.role`);
    expect(rows).toEqual([
      { company_id: w.me.id, deal_value: '0.3000', label: 'Shared' },
      { company_id: w.partner.id, deal_value: '0.3000', label: 'Shared' },
    ]);
  });

  it('the owner deletes it for both: then it is 404 to both, and a second DELETE is 404', async () => {
    const w = await partnershipDeal();
    const del = await api().delete(`/v1/deals/${w.deal.id}`, { key: w.me.keys.write });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await dealRow(db(), w.deal.id))!.deleted_at).not.toBeNull();
    for (const key of [w.me.keys.write, w.partner.keys.write]) {
      expect((await api().patch(`/v1/deals/${w.deal.id}`, { key, body: {} })).status).toBe(404);
      const again = await api().delete(`/v1/deals/${w.deal.id}`, { key });
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ error: 'Deal not found or already deleted', code: 'not_found' });
    }
  });

  it("a company that is neither side gets 404, even the partner's other partner", async () => {
    const w = await partnershipDeal();
    const other = await partnershipWorld(db(), api());
    for (const key of [other.me.keys.write, other.partner.keys.write]) {
      expect((await api().patch(`/v1/deals/${w.deal.id}`, { key, body: {} })).status).toBe(404);
      expect((await api().delete(`/v1/deals/${w.deal.id}`, { key })).status).toBe(404);
    }
  });

  it('the sender can make its own deal on the lead it sent: the receiver is then the partner side', async () => {
    const w = await partnershipWorld(db(), api());
    const deal = await createDeal(api(), w.partner.keys.write, { lead_id: w.theirLead, deal_value: 10 });
    expect(await sidesOf(db(), deal.id)).toMatchObject({
      owner: { company_id: w.partner.id, lead_id: w.theirLead, stage_id: w.theirStages[0]!.id },
      partner: { company_id: w.me.id, lead_id: w.myLead, stage_id: w.myStages[0]!.id },
    });
  });

  it('a declined partnership makes no partnership deal: the lead is then a plain deal', async () => {
    const w = await partnershipWorld(db(), api());
    await db().execute(sql`UPDATE partnerships SET status = 'declined' WHERE id = ${w.partnershipId}`);
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead });
    expect((await dealRow(db(), deal.id))!.partnership_id).toBeNull();
    expect(Object.keys(await sidesOf(db(), deal.id))).toEqual(['owner']);
    const named = await api().post('/v1/deals', {
      key: w.me.keys.write,
      body: { lead_id: w.myLead, partnership_id: w.partnershipId },
    });
    expect(named.status).toBe(400);
    expect(named.body.details.map((d: any) => d.path)).toEqual(['partnership_id']);
  });
});
