import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { ISO_TIMESTAMP, UUID as UUID_PATTERN } from '../helpers/catalogue-api.js';
import {
  makeCategory,
  makeCustomField,
  makeStage,
  makeTag,
  makeTier,
} from '../helpers/catalogue-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { eventsOf, invite, latestEventId } from '../helpers/notifications.js';
import { invitePartner, newDomain } from '../helpers/partners.js';

// The outbox for users, partners and partner contacts: every successful write records its
// event(s) in its own transaction, for each company whose view changed; a failed write none.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const ISO = expect.stringMatching(ISO_TIMESTAMP);
const UUID = expect.stringMatching(UUID_PATTERN);

/** What the next API call records, per company. */
async function recorded(companyIds: number[], call: () => Promise<unknown>) {
  const before = await latestEventId(db());
  await call();
  const byCompany = new Map<number, Awaited<ReturnType<typeof eventsOf>>>();
  for (const id of companyIds) byCompany.set(id, await eventsOf(db(), id, before));
  return byCompany;
}

const types = (list: { type: string }[] | undefined) => (list ?? []).map((e) => e.type);

describe('events: users', () => {
  it('POST /v1/users records users.create with the public user fields, in the same transaction', async () => {
    const me = await makeTenant(db());
    let created: any;
    const got = await recorded([me.company.id], async () => {
      const res = await ctx.t.api.post('/v1/users', {
        key: me.writeKey,
        body: { email: 'new.person@example.test', first_name: 'New', last_name: 'Person', role: 'admin' },
      });
      expect(res.status).toBe(201);
      created = res.body;
    });
    const [event] = got.get(me.company.id)!;
    expect(types(got.get(me.company.id))).toEqual(['users.create']);
    expect(event).toMatchObject({ company_id: me.company.id, api_key_id: me.writeKeyId });
    expect(event!.payload).toEqual({
      user: {
        id: created.id,
        uuid: created.uuid,
        email: 'new.person@example.test',
        first_name: 'New',
        last_name: 'Person',
        role: 'admin',
        position: null,
        phone_number: null,
        meeting_link: null,
        color: null,
        disabled_at: null,
        created_at: ISO,
        updated_at: ISO,
      },
    });
    // The API's own object, nothing internal (no company_id).
    expect(event!.payload).toEqual({ user: created });
  });

  it('a refused create (duplicate email) records nothing', async () => {
    const me = await makeTenant(db());
    const got = await recorded([me.company.id], async () => {
      const res = await ctx.t.api.post('/v1/users', { key: me.writeKey, body: { email: me.admin.email } });
      expect(res.status).toBe(409);
    });
    expect(got.get(me.company.id)).toEqual([]);
  });
});

describe('events: partners', () => {
  it('inviting a new company: partners.create (with stage, tier, category, tags, users, custom fields) and one partners.contact_create per email, for the inviter only', async () => {
    const me = await makeTenant(db());
    const stage = await makeStage(db(), me.company.id, { label: 'Intro' });
    const tier = await makeTier(db(), me.company.id, { label: 'Gold' });
    const category = await makeCategory(db(), me.company.id, { label: 'Agencies' });
    const tag = await makeTag(db(), me.company.id, { label: 'Priority' });
    const field = await makeCustomField(db(), me.company.id, 'number', { label: 'Seats' });
    const domain = newDomain();
    let partner: any;
    const got = await recorded([me.company.id], async () => {
      partner = await invitePartner(ctx.t.api, me.writeKey, domain, {
        name: 'Acme Partners',
        emails: [{ email: `ann@${domain}`, firstName: 'Ann' }, { email: `bob@${domain}` }],
        stageUuid: stage.uuid,
        tierId: tier.id,
        categoryId: category.id,
        tags: [tag.id],
        assignedUsers: [me.admin.id],
        customFields: [{ customFieldId: field.id, type: 'number', value: { number: 12 } }],
      });
    });
    const list = got.get(me.company.id)!;
    expect(types(list)).toEqual(['partners.create', 'partners.contact_create', 'partners.contact_create']);
    expect(list.every((e) => e.api_key_id === me.writeKeyId)).toBe(true);
    expect(list[0]!.payload).toEqual({
      partnership: {
        id: partner.id,
        uuid: partner.uuid,
        partnership_id: partner.partnership_id,
        partnership_uuid: partner.partnership.uuid,
        status: 'pending',
        partner_type: 'referral',
        reseller: null,
        direction: 'invited',
        company_id: partner.partner.id,
        company_uuid: partner.partner.uuid,
        company_name: 'Acme Partners',
        company_domain: domain,
        company_website: null,
        company_description: null,
        country_code: null,
        country_label: null,
        stage_uuid: stage.uuid,
        stage_label: 'Intro',
        category_uuid: category.uuid,
        category_label: 'Agencies',
        tier_uuid: tier.uuid,
        tier_label: 'Gold',
        tags: [expect.objectContaining({ id: tag.id, label: 'Priority' })],
        assigned_users: [expect.objectContaining({ id: me.admin.id, email: me.admin.email })],
        custom_fields: [expect.objectContaining({ id: field.id, label: 'Seats', value: { number: 12 } })],
        accepted_at: null,
        declined_at: null,
        created_at: ISO,
        updated_at: ISO,
      },
    });
    const contacts = list.slice(1).map((e) => (e.payload as any).contact);
    expect(contacts.map((c) => c.email)).toEqual([`ann@${domain}`, `bob@${domain}`]);
    expect(contacts[0]).toEqual({
      id: expect.any(Number),
      uuid: UUID,
      email: `ann@${domain}`,
      first_name: 'Ann',
      last_name: null,
      position: null,
      phone_number: null,
      company_name: 'Acme Partners',
      partnership_id: partner.id,
      tags: [],
      created_at: ISO,
      updated_at: ISO,
    });
    // The company created by the invitation has no subscriber yet: nothing for it.
    expect(await eventsOf(db(), partner.partner.id)).toEqual([]);
  });

  it('inviting an existing company: both companies get partners.create, each with its own side', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    let partner: any;
    const got = await recorded([me.company.id, them.company.id], async () => {
      partner = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
    });
    expect(types(got.get(me.company.id))).toEqual(['partners.create', 'partners.contact_create']);
    const [theirs] = got.get(them.company.id)!;
    expect(types(got.get(them.company.id))).toEqual(['partners.create']);
    expect(theirs!.payload).toMatchObject({
      partnership: {
        partnership_id: partner.partnership_id,
        status: 'pending',
        direction: 'received',
        company_id: me.company.id,
        company_name: me.company.name,
        stage_uuid: null,
      },
    });
    expect((theirs!.payload as any).partnership.id).not.toBe(partner.id);
  });

  it('PATCH records partners.update for the caller only; sending or withdrawing the invitation for both', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const partner = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
    const tier = await makeTier(db(), me.company.id, { label: 'Silver' });
    const both = [me.company.id, them.company.id];

    const patched = await recorded(both, async () => {
      const res = await ctx.t.api.patch(`/v1/partners/${partner.id}`, {
        key: me.writeKey,
        body: { tierId: tier.id },
      });
      expect(res.status).toBe(200);
    });
    expect(types(patched.get(me.company.id))).toEqual(['partners.update']);
    expect(patched.get(me.company.id)![0]!.payload).toMatchObject({
      partnership: { id: partner.id, tier_uuid: tier.uuid, tier_label: 'Silver', status: 'pending' },
    });
    expect(patched.get(them.company.id)).toEqual([]);

    const withdrawn = await recorded(both, async () => {
      const res = await ctx.t.api.patch(`/v1/partners/${partner.id}`, {
        key: me.writeKey,
        body: { inactive: true },
      });
      expect(res.status).toBe(200);
    });
    expect(types(withdrawn.get(me.company.id))).toEqual(['partners.update']);
    expect(types(withdrawn.get(them.company.id))).toEqual(['partners.update']);
    expect(withdrawn.get(them.company.id)![0]!.payload).toMatchObject({
      partnership: { status: 'inactive', direction: 'received' },
    });

    const refused = await recorded(both, async () => {
      const res = await ctx.t.api.patch(`/v1/partners/${partner.id}`, {
        key: me.writeKey,
        body: { tierId: 2_000_000_000 },
      });
      expect(res.status).toBe(400);
    });
    expect([...refused.values()].flat()).toEqual([]);
  });

  it('accept and decline record partners.update for both companies', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const both = [me.company.id, them.company.id];
    for (const answer of ['accept', 'decline'] as const) {
      const invitation = await invite(ctx.t.api, me.writeKey, them, {
        partnerType: answer === 'accept' ? 'referral' : 'reseller',
      });
      const { mine: partner, theirs: theirSide } = invitation;
      const got = await recorded(both, () => invitation.answer(answer));
      const status = answer === 'accept' ? 'accepted' : 'declined';
      for (const [companyId, list] of got) {
        expect(types(list), `${answer} for company ${companyId}`).toEqual(['partners.update']);
        expect(list[0]).toMatchObject({ api_key_id: them.writeKeyId, payload: { partnership: { status } } });
      }
      expect(got.get(me.company.id)![0]!.payload).toMatchObject({ partnership: { id: partner.id } });
      expect(got.get(them.company.id)![0]!.payload).toMatchObject({ partnership: { id: theirSide.id } });
      const stamp = answer === 'accept' ? 'accepted_at' : 'declined_at';
      expect((got.get(me.company.id)![0]!.payload as any).partnership[stamp]).toEqual(ISO);
    }
  });
});

describe('events: partner contacts', () => {
  it('POST /v1/contacts records partners.contact_create and PATCH partners.contact_update', async () => {
    const me = await makeTenant(db());
    const domain = newDomain();
    const partner = await invitePartner(ctx.t.api, me.writeKey, domain);
    const tag = await makeTag(db(), me.company.id, { label: 'Champion' });
    let contact: any;
    const created = await recorded([me.company.id], async () => {
      const res = await ctx.t.api.post('/v1/contacts', {
        key: me.writeKey,
        body: { email: `cara@${domain}`, partnership_id: partner.id, first_name: 'Cara', tags: [tag.id] },
      });
      expect(res.status).toBe(201);
      contact = res.body;
    });
    expect(types(created.get(me.company.id))).toEqual(['partners.contact_create']);
    expect(created.get(me.company.id)![0]).toMatchObject({
      api_key_id: me.writeKeyId,
      payload: { contact: { ...contact, tags: [expect.objectContaining({ id: tag.id })] } },
    });

    const updated = await recorded([me.company.id], async () => {
      const res = await ctx.t.api.patch(`/v1/contacts/${contact.id}`, {
        key: me.writeKey,
        body: { position: 'CTO', tags: [] },
      });
      expect(res.status).toBe(200);
    });
    expect(types(updated.get(me.company.id))).toEqual(['partners.contact_update']);
    expect(updated.get(me.company.id)![0]!.payload).toMatchObject({
      contact: { id: contact.id, position: 'CTO', tags: [], email: `cara@${domain}` },
    });

    const duplicate = await recorded([me.company.id], async () => {
      const res = await ctx.t.api.post('/v1/contacts', {
        key: me.writeKey,
        body: { email: `CARA@${domain}`, partnership_id: partner.id },
      });
      expect(res.status).toBe(409);
    });
    expect(duplicate.get(me.company.id)).toEqual([]);
  });
});
