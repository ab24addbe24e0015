import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  companies,
  contacts,
  countries,
  customFieldValues,
  partnerships,
  users,
} from '../../src/db/schema/index.js';
import { uniq } from '../helpers/app.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import {
  makeCategory,
  makeCustomField,
  makeStage,
  makeTag,
  makeTier,
} from '../helpers/catalogue-factories.js';
import { makeApiKey, makeCompany, makeTenant, makeUser } from '../helpers/factories.js';
import { ids, invitePartner, newDomain, partnerBody } from '../helpers/partners.js';
import { countUsers } from '../helpers/queries.js';

// Partners: inviting (new and existing partner companies), both sides' views, accept and
// decline by the invited company, PATCH, DELETE, the partner's users, and isolation.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f-]{36}$/);

/** Countries are seeded reference data: tests find them by ISO code, never by id. */
async function countryByCode(code: string) {
  const [row] = await db().select().from(countries).where(eq(countries.code, code));
  return row!;
}

async function companyByDomain(domain: string) {
  const [row] = await db().select().from(companies).where(eq(companies.domain, domain));
  return row;
}

describe('partners: inviting a company that does not exist yet', () => {
  it('creates the company, its users and your contacts, and answers with the full partner object', async () => {
    const me = await makeTenant(db());
    const colleague = await makeUser(db(), me.company.id, { first_name: 'Col', last_name: 'League' });
    // Stages: the default is the first partner stage by series that fits the partner type.
    await makeStage(db(), me.company.id, { series: 0, partner_type: 'reseller', label: 'Reseller intake' });
    await makeStage(db(), me.company.id, { series: 0, pipeline: 'lead_deal', label: 'A deal stage' });
    const second = await makeStage(db(), me.company.id, { series: 2, label: 'Second' });
    const first = await makeStage(db(), me.company.id, { series: 1, label: 'First', phase: 'discovery' });
    const tier = await makeTier(db(), me.company.id, { label: 'Gold' });
    const category = await makeCategory(db(), me.company.id, { label: 'Agencies' });
    const tag = await makeTag(db(), me.company.id, { label: 'Priority', background_color: '#FF0000' });
    const contactTag = await makeTag(db(), me.company.id, { label: 'Champion' });
    const field = await makeCustomField(db(), me.company.id, 'number', { label: 'Seats' });
    const domain = newDomain();
    const belgium = await countryByCode('BE');

    const res = await ctx.t.api.post('/v1/partners', {
      key: me.writeKey,
      body: {
        name: 'Acme Partners',
        emails: [
          { email: `Ann@${domain.toUpperCase()}`, firstName: 'Ann', lastName: 'Lee', tags: [contactTag.id] },
          { email: `bob@${domain}` },
        ],
        partnerType: 'referral',
        tierId: tier.id,
        categoryId: category.id,
        countryId: belgium.id,
        assignedUsers: [colleague.id, me.admin.id],
        tags: [tag.id],
        customFields: [{ customFieldId: field.id, type: 'number', value: { number: 25 } }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const partnerCompany = await companyByDomain(domain);
    expect(partnerCompany).toMatchObject({ name: 'Acme Partners', country_id: belgium.id });
    expect(res.body).toEqual({
      id: expect.any(Number),
      uuid: UUID,
      partnership_id: expect.any(Number),
      partnership: {
        id: res.body.partnership_id,
        uuid: UUID,
        status: 'pending',
        partner_type: 'referral',
        reseller: null,
        invited_by_company_id: me.company.id,
        created_at: ISO,
        accepted_at: null,
        declined_at: null,
      },
      direction: 'invited',
      stage: { id: first.id, uuid: first.uuid, label: 'First', series: 1, phase: 'discovery' },
      tier: {
        id: tier.id,
        uuid: tier.uuid,
        label: 'Gold',
        background_color: '#FFD700',
        text_color: '#FFFFFF',
      },
      category: { id: category.id, uuid: category.uuid, label: 'Agencies' },
      partner: {
        id: partnerCompany!.id,
        uuid: partnerCompany!.uuid,
        name: 'Acme Partners',
        website_url: null,
        email_domain: domain,
        country: { id: belgium.id, code: 'BE', label: 'Belgium' },
        fallback_data: null,
      },
      assigned_users: [
        { id: me.admin.id, email: me.admin.email, first_name: 'Test', last_name: 'User' },
        { id: colleague.id, email: colleague.email, first_name: 'Col', last_name: 'League' },
      ],
      tags: [{ id: tag.id, label: 'Priority', background_color: '#FF0000', text_color: '#FFFFFF' }],
      custom_fields: [
        {
          id: field.id,
          label: 'Seats',
          type: 'number',
          value: { number: 25 },
          custom_field_value_id: expect.any(Number),
        },
      ],
      // The new company's people are invited (no SMTP here: the one-time links are in the answer).
      invitations: [
        {
          email: `Ann@${domain.toUpperCase()}`,
          invite_url: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{43}$/),
        },
        { email: `bob@${domain}`, invite_url: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{43}$/) },
      ],
      created_at: ISO,
      updated_at: ISO,
    });
    expect(second.id).not.toBe(res.body.stage.id);

    // The partner company's users: the first email an admin, the rest partnerships members.
    const partnerUsers = await db()
      .select({ email: users.email, role: users.role, first_name: users.first_name })
      .from(users)
      .where(eq(users.company_id, partnerCompany!.id))
      .orderBy(users.id);
    expect(partnerUsers).toEqual([
      { email: `Ann@${domain.toUpperCase()}`, role: 'admin', first_name: 'Ann' },
      { email: `bob@${domain}`, role: 'partnerships', first_name: null },
    ]);

    // Your contacts, one per email, with that email's tags.
    const mine = await ctx.t.api.get(`/v1/contacts?partnership_id=${res.body.id}`, { key: me.readKey });
    expect(mine.body.data).toMatchObject([
      {
        email: `Ann@${domain.toUpperCase()}`,
        first_name: 'Ann',
        tags: [{ id: contactTag.id, label: 'Champion' }],
      },
      { email: `bob@${domain}`, first_name: null, tags: [] },
    ]);
    expect(mine.body.data[0]).toMatchObject({ company_name: 'Acme Partners', partnership_id: res.body.id });

    // GET returns the same object (the invitation links are in the creating response only).
    const got = await ctx.t.api.get(`/v1/partners/${res.body.id}`, { key: me.readKey });
    const { invitations: _sentOnce, ...partner } = res.body;
    expect(got.body).toEqual(partner);
  });

  it('has no stage when the caller has no partner stage for the type, and a reseller side defaults to the partner', async () => {
    const me = await makeTenant(db());
    await makeStage(db(), me.company.id, { partner_type: 'referral' });
    const created = await invitePartner(ctx.t.api, me.writeKey, newDomain(), { partnerType: 'reseller' });
    expect(created.stage).toBeNull();
    expect(created.partnership).toMatchObject({ partner_type: 'reseller', reseller: 'partner' });
    const own = await invitePartner(ctx.t.api, me.writeKey, newDomain(), {
      partnerType: 'reseller',
      reseller: 'company',
    });
    expect(own.partnership.reseller).toBe('company');
  });

  it('an explicit stageUuid wins over the default; inactive creates the partnership without an invitation', async () => {
    const me = await makeTenant(db());
    await makeStage(db(), me.company.id, { series: 1 });
    const later = await makeStage(db(), me.company.id, { series: 5, label: 'Later', phase: 'active' });
    const created = await invitePartner(ctx.t.api, me.writeKey, newDomain(), {
      stageUuid: later.uuid,
      inactive: true,
    });
    expect(created.stage).toMatchObject({ id: later.id, label: 'Later', phase: 'active' });
    expect(created.partnership.status).toBe('inactive');
  });
});

describe('partners: inviting a company that already exists', () => {
  it('links to the company by domain (case-insensitive) and creates no users in it', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const domain = them.company.domain!;
    const usersBefore = await countUsers(db(), them.company.id);

    const created = await invitePartner(ctx.t.api, me.writeKey, domain.toUpperCase(), {
      name: 'What I call them',
      emails: [{ email: `someone@${domain.toUpperCase()}` }, { email: `other@${domain}` }],
      countryId: (await countryByCode('BE')).id,
    });
    expect(created.partner).toMatchObject({
      id: them.company.id,
      name: them.company.name,
      email_domain: domain,
      country: null,
    });
    expect(await countUsers(db(), them.company.id)).toBe(usersBefore);
    const [company] = await db().select().from(companies).where(eq(companies.id, them.company.id));
    expect(company).toMatchObject({ name: them.company.name, country_id: null });
    // Your contacts are still recorded.
    const contactRows = await db()
      .select()
      .from(contacts)
      .where(eq(contacts.company_partnership_id, created.id));
    expect(contactRows.map((c) => c.email).sort()).toEqual([
      `other@${domain}`,
      `someone@${domain.toUpperCase()}`,
    ]);
  });

  it("the invited company sees its own bare side: pending, received, none of the inviter's classification", async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const tier = await makeTier(db(), me.company.id);
    const category = await makeCategory(db(), me.company.id);
    const stage = await makeStage(db(), me.company.id);
    const tag = await makeTag(db(), me.company.id);
    const field = await makeCustomField(db(), me.company.id, 'text');
    const created = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!, {
      partnerType: 'reseller',
      reseller: 'partner',
      tierId: tier.id,
      categoryId: category.id,
      stageUuid: stage.uuid,
      tags: [tag.id],
      assignedUsers: [me.admin.id],
      customFields: [{ customFieldId: field.id, type: 'text', value: { text: 'private note' } }],
    });

    const list = await ctx.t.api.get('/v1/partners', { key: them.readKey });
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ 'record-count': 1, 'page-count': 1 });
    const theirs = list.body.data[0];
    expect(theirs.id).not.toBe(created.id);
    expect(theirs).toMatchObject({
      partnership_id: created.partnership_id,
      partnership: {
        status: 'pending',
        partner_type: 'reseller',
        reseller: 'company', // seen from the invited company: it is the one reselling
        invited_by_company_id: me.company.id,
      },
      direction: 'received',
      stage: null,
      tier: null,
      category: null,
      partner: { id: me.company.id, name: me.company.name, email_domain: me.company.domain },
      assigned_users: [],
      tags: [],
      custom_fields: [],
    });
    expect(JSON.stringify(theirs)).not.toContain('private note');
    // Its own contacts list does not show the inviter's contacts either.
    const theirContacts = await ctx.t.api.get('/v1/contacts', { key: them.readKey });
    expect(theirContacts.body.meta['record-count']).toBe(0);
  });

  it('refuses to partner with your own company (400), and a second partnership of the same type either way (409)', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const self = await ctx.t.api.post('/v1/partners', {
      key: me.writeKey,
      body: partnerBody(me.company.domain!),
    });
    expect(self.status).toBe(400);
    expect(self.body).toEqual({
      error: `Invalid field 'emails[0].email': '${me.company.domain}' is your own company's domain: a company cannot partner with itself`,
      code: 'bad_request',
      details: [
        {
          path: 'emails[0].email',
          message: `'${me.company.domain}' is your own company's domain: a company cannot partner with itself`,
        },
      ],
    });

    await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
    const again = await ctx.t.api.post('/v1/partners', {
      key: me.writeKey,
      body: partnerBody(them.company.domain!),
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: `A referral partnership with ${them.company.domain} already exists`,
      code: 'conflict',
    });
    const reverse = await ctx.t.api.post('/v1/partners', {
      key: them.writeKey,
      body: partnerBody(me.company.domain!),
    });
    expect(reverse.status).toBe(409);
    // Another type is another partnership.
    const reseller = await ctx.t.api.post('/v1/partners', {
      key: them.writeKey,
      body: partnerBody(me.company.domain!, { partnerType: 'reseller' }),
    });
    expect(reseller.status).toBe(201);
    const rows = await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(partnerships)
      .where(eq(partnerships.partner_company_id, them.company.id));
    expect(rows[0]!.n).toBe(1);
  });

  it('a failed invitation writes nothing (one transaction)', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
    const companiesBefore = await db().select({ n: sql<number>`count(*)::int` }).from(companies);
    const contactsBefore = await db().select({ n: sql<number>`count(*)::int` }).from(contacts);
    const res = await ctx.t.api.post('/v1/partners', {
      key: them.writeKey,
      body: partnerBody(me.company.domain!),
    });
    expect(res.status).toBe(409);
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(companies)).toEqual(companiesBefore);
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(contacts)).toEqual(contactsBefore);
  });
});

describe('partners: accept and decline', () => {
  async function invitation() {
    const inviter = await makeTenant(db());
    const invited = await makeTenant(db());
    const mine = await invitePartner(ctx.t.api, inviter.writeKey, invited.company.domain!);
    const list = await ctx.t.api.get('/v1/partners', { key: invited.readKey });
    return { inviter, invited, mine, theirs: list.body.data[0] };
  }

  it('only the invited company accepts, once; both sides then see accepted', async () => {
    const { inviter, invited, mine, theirs } = await invitation();
    const byInviter = await ctx.t.api.post(`/v1/partners/${mine.id}/accept`, { key: inviter.writeKey });
    expect(byInviter.status).toBe(403);
    expect(byInviter.body).toEqual({
      error: 'Only the invited company can accept this partnership',
      code: 'forbidden',
    });

    const accepted = await ctx.t.api.post(`/v1/partnerships/${theirs.id}/accept`, { key: invited.writeKey });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      id: theirs.id,
      direction: 'received',
      partnership: { status: 'accepted' },
    });
    expect(accepted.body.partnership.accepted_at).toEqual(ISO);

    const twice = await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: invited.writeKey });
    expect(twice.status).toBe(409);
    expect(twice.body).toEqual({
      error: 'This partnership is accepted: only a pending invitation can be accepted',
      code: 'conflict',
    });
    const declineLater = await ctx.t.api.post(`/v1/partners/${theirs.id}/decline`, { key: invited.writeKey });
    expect(declineLater.status).toBe(409);

    const inviterView = await ctx.t.api.get(`/v1/partners/${mine.id}`, { key: inviter.readKey });
    expect(inviterView.body.partnership).toMatchObject({
      status: 'accepted',
      accepted_at: accepted.body.partnership.accepted_at,
    });
  });

  it('the invited company can decline instead; the inviter cannot decline for it', async () => {
    const { inviter, invited, mine, theirs } = await invitation();
    const byInviter = await ctx.t.api.post(`/v1/partners/${mine.id}/decline`, { key: inviter.writeKey });
    expect(byInviter.status).toBe(403);
    expect(byInviter.body.error).toBe('Only the invited company can decline this partnership');

    const declined = await ctx.t.api.post(`/v1/partners/${theirs.id}/decline`, {
      key: invited.writeKey,
      body: {},
    });
    expect(declined.status).toBe(200);
    expect(declined.body.partnership).toMatchObject({
      status: 'declined',
      accepted_at: null,
      declined_at: ISO,
    });
    const accept = await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: invited.writeKey });
    expect(accept.status).toBe(409);
    expect(accept.body.error).toBe('This partnership is declined: only a pending invitation can be accepted');
    // Re-inviting a declined partnership is refused: delete it and invite again.
    const resend = await ctx.t.api.patch(`/v1/partners/${mine.id}`, {
      key: inviter.writeKey,
      body: { inactive: false },
    });
    expect(resend.status).toBe(409);
    expect(resend.body.error).toBe('This partnership was declined: delete it and invite the partner again');
  });

  it('an inactive partnership cannot be accepted until the inviter sends the invitation (PATCH inactive: false)', async () => {
    const inviter = await makeTenant(db());
    const invited = await makeTenant(db());
    const mine = await invitePartner(ctx.t.api, inviter.writeKey, invited.company.domain!, {
      inactive: true,
    });
    const theirs = (await ctx.t.api.get('/v1/partners', { key: invited.readKey })).body.data[0];
    expect(theirs.partnership.status).toBe('inactive');
    const early = await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: invited.writeKey });
    expect(early.status).toBe(409);

    // Only the inviter decides whether to invite.
    const notYours = await ctx.t.api.patch(`/v1/partners/${theirs.id}`, {
      key: invited.writeKey,
      body: { inactive: false },
    });
    expect(notYours.status).toBe(403);
    expect(notYours.body.error).toBe('Only the inviting company can send or withdraw the invitation');

    const sent = await ctx.t.api.patch(`/v1/partners/${mine.id}`, {
      key: inviter.writeKey,
      body: { inactive: false },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.partnership.status).toBe('pending');
    const withdrawn = await ctx.t.api.patch(`/v1/partners/${mine.id}`, {
      key: inviter.writeKey,
      body: { inactive: true },
    });
    expect(withdrawn.body.partnership.status).toBe('inactive');
    await ctx.t.api.patch(`/v1/partners/${mine.id}`, { key: inviter.writeKey, body: { inactive: false } });
    const accepted = await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: invited.writeKey });
    expect(accepted.body.partnership.status).toBe('accepted');
    // Sending an accepted partnership's invitation again changes nothing; withdrawing it is refused.
    const noop = await ctx.t.api.patch(`/v1/partners/${mine.id}`, {
      key: inviter.writeKey,
      body: { inactive: false },
    });
    expect(noop.body.partnership.status).toBe('accepted');
    const late = await ctx.t.api.patch(`/v1/partners/${mine.id}`, {
      key: inviter.writeKey,
      body: { inactive: true },
    });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('This partnership is accepted: only a pending invitation can be withdrawn');
  });
});

describe('partners: PATCH', () => {
  it('changes only what is sent: tier/category/stage (null removes), tags and users replaced, fallbackData', async () => {
    const me = await makeTenant(db());
    const [u1, u2] = [await makeUser(db(), me.company.id), await makeUser(db(), me.company.id)];
    const [tag1, tag2, tag3] = [
      await makeTag(db(), me.company.id, { label: 'a' }),
      await makeTag(db(), me.company.id, { label: 'b' }),
      await makeTag(db(), me.company.id, { label: 'c' }),
    ];
    const [tier1, tier2] = [await makeTier(db(), me.company.id), await makeTier(db(), me.company.id)];
    const category = await makeCategory(db(), me.company.id);
    const stage1 = await makeStage(db(), me.company.id, { series: 1 });
    const stage2 = await makeStage(db(), me.company.id, { series: 2 });
    const created = await invitePartner(ctx.t.api, me.writeKey, newDomain(), {
      tierId: tier1.id,
      categoryId: category.id,
      tags: [tag1.id, tag2.id],
      assignedUsers: [u1.id],
    });
    expect(created.stage.id).toBe(stage1.id);

    const patched = await ctx.t.api.patch(`/v1/partners/${created.id}`, {
      key: me.writeKey,
      body: {
        tierId: tier2.id,
        stageUuid: stage2.uuid,
        tags: [tag3.id, tag1.id],
        assignedUsers: [u2.id],
        fallbackData: { name: 'Acme (old)', website_url: 'https://acme.example', country_label: 'Belgium' },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: created.id,
      tier: { id: tier2.id },
      category: { id: category.id },
      stage: { id: stage2.id },
      tags: [{ id: tag1.id }, { id: tag3.id }],
      assigned_users: [{ id: u2.id }],
      partner: {
        fallback_data: { name: 'Acme (old)', website_url: 'https://acme.example', country_label: 'Belgium' },
      },
    });
    expect(patched.body.tags).toHaveLength(2);
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));

    const cleared = await ctx.t.api.patch(`/v1/partners/${created.id}`, {
      key: me.writeKey,
      body: {
        tierId: null,
        categoryId: null,
        stageUuid: null,
        tags: [],
        assignedUsers: [],
        fallbackData: null,
      },
    });
    expect(cleared.body).toMatchObject({
      tier: null,
      category: null,
      stage: null,
      tags: [],
      assigned_users: [],
      partner: { fallback_data: null },
    });
    // An empty body changes nothing.
    const same = await ctx.t.api.patch(`/v1/partners/${created.id}`, { key: me.writeKey, body: {} });
    expect(same.status).toBe(200);
    expect({ ...same.body, updated_at: null }).toEqual({ ...cleared.body, updated_at: null });
  });

  it('rejects ids that are not yours, naming each field, and changes nothing', async () => {
    const me = await makeTenant(db());
    const other = await makeTenant(db());
    const created = await invitePartner(ctx.t.api, me.writeKey);
    const foreignTier = await makeTier(db(), other.company.id);
    const foreignStage = await makeStage(db(), other.company.id);
    const foreignTag = await makeTag(db(), other.company.id);
    const leadTag = await makeTag(db(), me.company.id, { association: 'lead' });
    const disabled = await makeUser(db(), me.company.id);
    await ctx.t.api.delete(`/v1/users/${disabled.id}`, { key: me.writeKey });
    const res = await ctx.t.api.patch(`/v1/partners/${created.id}`, {
      key: me.writeKey,
      body: {
        tierId: foreignTier.id,
        stageUuid: foreignStage.uuid,
        tags: [leadTag.id, foreignTag.id],
        assignedUsers: [other.admin.id, disabled.id, me.admin.id],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      {
        path: 'tags',
        message: `Unknown referral partner tag id(s) for your company: ${leadTag.id}, ${foreignTag.id}`,
      },
      {
        path: 'stageUuid',
        message: `Unknown referral partner stage uuid for your company: ${foreignStage.uuid}`,
      },
      { path: 'tierId', message: `Unknown referral tier id(s) for your company: ${foreignTier.id}` },
      { path: 'assignedUsers[0]', message: `no active user with id ${other.admin.id} in your company` },
      { path: 'assignedUsers[1]', message: `no active user with id ${disabled.id} in your company` },
    ]);
    expect(res.body.error).toBe(
      `Invalid field 'tags': Unknown referral partner tag id(s) for your company: ${leadTag.id}, ${foreignTag.id}`,
    );
    const after = await ctx.t.api.get(`/v1/partners/${created.id}`, { key: me.readKey });
    expect(after.body).toEqual(created);
  });

  it('refuses a tier, category, stage or tag made for the other partner type', async () => {
    const me = await makeTenant(db());
    const created = await invitePartner(ctx.t.api, me.writeKey);
    const tier = await makeTier(db(), me.company.id, { partner_type: 'reseller' });
    const category = await makeCategory(db(), me.company.id, { partner_type: 'reseller' });
    const stage = await makeStage(db(), me.company.id, { partner_type: 'reseller' });
    const tag = await makeTag(db(), me.company.id, { partner_type: 'reseller' });
    const res = await ctx.t.api.patch(`/v1/partners/${created.id}`, {
      key: me.writeKey,
      body: { tierId: tier.id, categoryId: category.id, stageUuid: stage.uuid, tags: [tag.id] },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { path: 'tags', message: `Unknown referral partner tag id(s) for your company: ${tag.id}` },
      { path: 'stageUuid', message: `Unknown referral partner stage uuid for your company: ${stage.uuid}` },
      { path: 'tierId', message: `Unknown referral tier id(s) for your company: ${tier.id}` },
      { path: 'categoryId', message: `Unknown referral category id(s) for your company: ${category.id}` },
    ]);
  });
});

describe('partners: DELETE', () => {
  it('ends the partnership for both sides; the companies and their users stay', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const field = await makeCustomField(db(), me.company.id, 'boolean');
    const mine = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!, {
      customFields: [{ customFieldId: field.id, type: 'boolean', value: { boolean: true } }],
    });
    const theirs = (await ctx.t.api.get('/v1/partners', { key: them.readKey })).body.data[0];

    const del = await ctx.t.api.delete(`/v1/partnerships/${theirs.id}`, { key: them.writeKey });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    for (const [id, key] of [
      [mine.id, me.readKey],
      [theirs.id, them.readKey],
    ] as const) {
      expect((await ctx.t.api.get(`/v1/partners/${id}`, { key })).status).toBe(404);
    }
    expect((await ctx.t.api.get('/v1/partners', { key: me.readKey })).body.meta['record-count']).toBe(0);
    expect((await ctx.t.api.get('/v1/contacts', { key: me.readKey })).body.meta['record-count']).toBe(0);
    const values = await db()
      .select()
      .from(customFieldValues)
      .where(and(eq(customFieldValues.entity_type, 'partner'), eq(customFieldValues.entity_id, mine.id)));
    expect(values).toEqual([]);
    expect(await countUsers(db(), them.company.id)).toBe(1);
    expect((await ctx.t.api.delete(`/v1/partners/${mine.id}`, { key: me.writeKey })).status).toBe(404);
    // They can start over.
    await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
  });
});

describe("partners: the partner company's users", () => {
  it('lists only known contacts until accepted, then every active user; paginated', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const domain = them.company.domain!;
    const known = await makeUser(db(), them.company.id, {
      email: `known@${domain}`,
      position: 'CEO',
      color: '#112233',
    });
    const hidden = await makeUser(db(), them.company.id, { email: `hidden@${domain}` });
    const gone = await makeUser(db(), them.company.id, { email: `gone@${domain}` });
    await ctx.t.api.delete(`/v1/users/${gone.id}`, { key: them.writeKey });
    const mine = await invitePartner(ctx.t.api, me.writeKey, domain, {
      emails: [{ email: `KNOWN@${domain}` }],
    });

    const before = await ctx.t.api.get(`/v1/partnerships/${mine.id}/users`, { key: me.readKey });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      data: [
        {
          id: known.id,
          email: `known@${domain}`,
          first_name: 'Test',
          last_name: 'User',
          color: '#112233',
          position: 'CEO',
          phone_number: null,
          company_id: them.company.id,
          meeting_link: null,
          company_name: them.company.name,
        },
      ],
      meta: { 'record-count': 1, 'page-count': 1 },
    });
    // The invited company sees none of the inviter's staff before accepting.
    const theirs = (await ctx.t.api.get('/v1/partners', { key: them.readKey })).body.data[0];
    const theirView = await ctx.t.api.get(`/v1/partners/${theirs.id}/users`, { key: them.readKey });
    expect(theirView.body).toEqual({ data: [], meta: { 'record-count': 0, 'page-count': 0 } });

    await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: them.writeKey });
    const after = await ctx.t.api.get(`/v1/partners/${mine.id}/users?pageSize=2`, { key: me.readKey });
    expect(after.body.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
    expect(ids(after)).toEqual([them.admin.id, known.id]);
    const page2 = await ctx.t.api.get(`/v1/partners/${mine.id}/users?pageSize=2&page=2`, { key: me.readKey });
    expect(ids(page2)).toEqual([hidden.id]);
    const inviterStaff = await ctx.t.api.get(`/v1/partners/${theirs.id}/users`, { key: them.readKey });
    expect(ids(inviterStaff)).toEqual([me.admin.id]);
    const bad = await ctx.t.api.get(`/v1/partners/${mine.id}/users?pageSize=51`, { key: me.readKey });
    expect(bad.status).toBe(400);
  });
});

describe('partners: permissions and isolation', () => {
  it('a read key gets 403 on every write and changes nothing', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const mine = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!);
    const theirs = (await ctx.t.api.get('/v1/partners', { key: them.readKey })).body.data[0];
    const writes: [string, string, string, unknown][] = [
      ['POST', '/v1/partners', me.readKey, partnerBody()],
      ['POST', '/v1/partnerships', me.readKey, partnerBody()],
      ['PATCH', `/v1/partners/${mine.id}`, me.readKey, { tags: [] }],
      ['DELETE', `/v1/partners/${mine.id}`, me.readKey, undefined],
      ['POST', `/v1/partners/${theirs.id}/accept`, them.readKey, undefined],
      ['POST', `/v1/partnerships/${theirs.id}/decline`, them.readKey, undefined],
      ['POST', '/v1/contacts', me.readKey, { email: `x@${uniq()}.test`, partnership_id: mine.id }],
    ];
    for (const [method, path, key, body] of writes) {
      const res = await ctx.t.api.request(method, path, { key, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual({ error: 'Write access required for this operation', code: 'forbidden' });
    }
    expect((await ctx.t.api.get(`/v1/partners/${mine.id}`, { key: me.readKey })).body).toEqual(mine);
    expect((await ctx.t.api.get('/v1/partners', { key: me.readKey })).body.meta['record-count']).toBe(1);
  });

  it("a third company gets 404 for both sides' ids on every verb, exactly like a missing id", async () => {
    const a = await makeTenant(db());
    const b = await makeTenant(db());
    const outsider = await makeTenant(db());
    const tag = await makeTag(db(), outsider.company.id);
    const sideA = await invitePartner(ctx.t.api, a.writeKey, b.company.domain!);
    const sideB = (await ctx.t.api.get('/v1/partners', { key: b.readKey })).body.data[0];
    const verbs: [string, string, unknown][] = [
      ['GET', '', undefined],
      ['PATCH', '', { tags: [tag.id] }],
      ['PATCH', '', { inactive: true }],
      ['DELETE', '', undefined],
      ['POST', '/accept', undefined],
      ['POST', '/decline', undefined],
      ['GET', '/users', undefined],
    ];
    for (const base of ['/v1/partners', '/v1/partnerships', '/api/v1/partners']) {
      for (const [method, suffix, body] of verbs) {
        const missing = await ctx.t.api.request(method, `${base}/2147483647${suffix}`, {
          key: outsider.writeKey,
          body,
        });
        for (const id of [sideA.id, sideB.id]) {
          const res = await ctx.t.api.request(method, `${base}/${id}${suffix}`, {
            key: outsider.writeKey,
            body,
          });
          expect(res.status, `${method} ${base}/${id}${suffix}`).toBe(404);
          expect(res.body).toEqual({ error: 'Partner not found', code: 'not_found' });
          expect(res.text).toBe(missing.text);
        }
      }
    }
    // A side is only reachable with its own company's key: a's id is 404 for b and the reverse.
    expect((await ctx.t.api.get(`/v1/partners/${sideA.id}`, { key: b.readKey })).status).toBe(404);
    expect((await ctx.t.api.post(`/v1/partners/${sideA.id}/accept`, { key: b.writeKey })).status).toBe(404);
    expect((await ctx.t.api.get(`/v1/partners/${sideB.id}`, { key: a.readKey })).status).toBe(404);
    // Nothing changed, and the outsider lists nothing.
    expect((await ctx.t.api.get(`/v1/partners/${sideA.id}`, { key: a.readKey })).body).toEqual(sideA);
    expect((await ctx.t.api.get('/v1/partners', { key: outsider.readKey })).body.meta['record-count']).toBe(
      0,
    );
    const search = await ctx.t.api.get(`/v1/partners?search=${b.company.domain}`, { key: outsider.readKey });
    expect(search.body.data).toEqual([]);
  });

  it('the /v1/partnerships alias and the /api/v1 prefix answer exactly like /v1/partners', async () => {
    const me = await makeTenant(db());
    const created = await invitePartner(ctx.t.api, me.writeKey);
    for (const path of ['/v1/partnerships', '/api/v1/partners', '/api/v1/partnerships']) {
      const list = await ctx.t.api.get(path, { key: me.readKey });
      expect(list.body.data).toEqual([created]);
      expect((await ctx.t.api.get(`${path}/${created.id}`, { key: me.readKey })).body).toEqual(created);
    }
    const viaAlias = await ctx.t.api.post('/v1/partnerships', { key: me.writeKey, body: partnerBody() });
    expect(viaAlias.status).toBe(201);
  });

  it('a key without a user can still invite (invited_by_user_id stays empty)', async () => {
    const company = await makeCompany(db());
    const key = await makeApiKey(db(), company.id, 'write');
    const created = await invitePartner(ctx.t.api, key.key);
    const [row] = await db().select().from(partnerships).where(eq(partnerships.id, created.partnership_id));
    expect(row!.invited_by_user_id).toBeNull();
  });
});
