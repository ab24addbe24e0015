import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { users } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { makeCustomField, makeTag } from '../helpers/catalogue-factories.js';
import { makeUser } from '../helpers/factories.js';
import { campaignBody, demo, leadRowCounts, seedExampleBody } from '../helpers/leads.js';
import { invitePartner } from '../helpers/partners.js';

// Every error the seed (003) lists for POST /v1/leads, with the exact message and `details`
// naming each problem, and that a refused create writes nothing.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const MISSING = 'Missing required fields or invalid association type';
const INVALID = 'Invalid field values or missing required association';

const refused = (error: string, details: { path: string; message: string }[]) => ({
  error,
  code: 'bad_request',
  details,
});

let shared: { me: DemoCompany; partner: DemoCompany } | undefined;
/** One demo for the file: every test here is refused, so none changes it. */
async function fixture() {
  shared ??= await demo(db());
  return shared;
}

/** POST /v1/leads that must be refused with exactly `expected`, writing no row anywhere. */
async function expectRefused(key: string, body: unknown, expected: unknown, status = 400) {
  const before = await leadRowCounts(db());
  const res = await ctx.t.api.post('/v1/leads', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual(expected);
  expect(await leadRowCounts(db())).toEqual(before);
}

describe('POST /v1/leads: "Missing required fields or invalid association type"', () => {
  it('associationType missing', async () => {
    const { me } = await fixture();
    await expectRefused(
      me.keys.write,
      { email: 'a@example.test' },
      refused(MISSING, [{ path: 'associationType', message: 'is required' }]),
    );
  });

  it.each(['partner', 'Referral', 7, null])('associationType %j', async (value) => {
    const { me } = await fixture();
    await expectRefused(
      me.keys.write,
      { ...campaignBody(me), associationType: value },
      refused(MISSING, [
        { path: 'associationType', message: 'must be one of: referral, reseller, campaigns' },
      ]),
    );
  });

  it('neither email nor company_name (empty and blank strings count as none)', async () => {
    const { me } = await fixture();
    const both = [
      { path: 'email', message: 'a lead needs an email or a company_name' },
      { path: 'company_name', message: 'a lead needs an email or a company_name' },
    ];
    const { email: _, ...noContact } = campaignBody(me, { first_name: 'Only', last_name: 'Names' });
    await expectRefused(me.keys.write, noContact, refused(MISSING, both));
    await expectRefused(
      me.keys.write,
      { ...noContact, email: null, company_name: '   ' },
      refused(MISSING, both),
    );
  });

  it('names every problem, the missing ones and the others', async () => {
    const { me } = await fixture();
    await expectRefused(
      me.keys.write,
      { source: 'web', tags: 'hot' },
      refused(MISSING, [
        {
          path: 'source',
          message: 'must be one of: manual, campaign, partnership, integration, lead_submission_form',
        },
        { path: 'associationType', message: 'is required' },
        { path: 'tags', message: 'must be an array of tag ids' },
        { path: 'email', message: 'a lead needs an email or a company_name' },
        { path: 'company_name', message: 'a lead needs an email or a company_name' },
      ]),
    );
  });

  it('a body that is not an object', async () => {
    const { me } = await fixture();
    const res = await ctx.t.api.post('/v1/leads', { key: me.keys.write, body: [] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(MISSING);
  });
});

describe('POST /v1/leads: unknown fields are named', () => {
  it('at the top level', async () => {
    const { me } = await fixture();
    await expectRefused(
      me.keys.write,
      { ...campaignBody(me), campaignId: 1, notes: 'x' },
      refused('Unknown fields: campaignId, notes', [
        { path: 'campaignId', message: "Unknown field 'campaignId'" },
        { path: 'notes', message: "Unknown field 'notes'" },
      ]),
    );
  });

  it('in objects whose keys the seed fixes, before other problems', async () => {
    const { me, partner } = await fixture();
    const body = seedExampleBody(me, partner);
    await expectRefused(
      me.keys.write,
      {
        ...body,
        email: 'nope',
        partnershipLead: { ...body.partnershipLead, sendtoPartner: true },
        powerups: { pipedrive: { person_id: 1, lead_id: 2 } },
      },
      refused('Unknown fields: partnershipLead.sendtoPartner, powerups.pipedrive.lead_id', [
        { path: 'partnershipLead.sendtoPartner', message: "Unknown field 'partnershipLead.sendtoPartner'" },
        { path: 'powerups.pipedrive.lead_id', message: "Unknown field 'powerups.pipedrive.lead_id'" },
        { path: 'email', message: 'must be a valid email address' },
      ]),
    );
  });
});

describe('POST /v1/leads: "Invalid field values or missing required association"', () => {
  it('field values of the wrong form: email, source, status, integrationName, ids, dates', async () => {
    const { me, partner } = await fixture();
    const body = seedExampleBody(me, partner);
    await expectRefused(
      me.keys.write,
      {
        ...body,
        email: 'not-an-email',
        source: 'web',
        status: 'won',
        integrationName: 'Zapier',
        tags: [me.tags[0]!.id, 'hot', { id: me.tags[0]!.id }],
        attributions: [{ id: me.partners[0]!.id, attributedDate: '2024-01-15' }],
        integrationCustomFields: [{ uuid: '', value: 1 }],
        powerups: { pipedrive: { person_id: -1 } },
      },
      refused(INVALID, [
        { path: 'email', message: 'must be a valid email address' },
        {
          path: 'source',
          message: 'must be one of: manual, campaign, partnership, integration, lead_submission_form',
        },
        { path: 'status', message: 'must be one of: new, contacted, qualified, converted, lost' },
        { path: 'tags[1]', message: 'must be a tag id or {"id": <tag id>}' },
        {
          path: 'attributions[0].attributedDate',
          message: 'must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z',
        },
        { path: 'integrationName', message: 'must be one of: Salesforce, Hubspot, Pipedrive, Slack' },
        { path: 'integrationCustomFields[0].uuid', message: 'must not be empty' },
        { path: 'powerups.pipedrive.person_id', message: 'must be an integer id' },
      ]),
    );
  });

  it('a repeated tag', async () => {
    const { me } = await fixture();
    const tag = me.tags[0]!.id;
    await expectRefused(
      me.keys.write,
      campaignBody(me, { tags: [tag, { id: tag }] }),
      refused(INVALID, [{ path: 'tags[1]', message: `repeats id ${tag}` }]),
    );
  });

  it('referral or reseller without partnershipLead, campaign lead without companyCampaignId', async () => {
    const { me } = await fixture();
    for (const associationType of ['referral', 'reseller']) {
      await expectRefused(
        me.keys.write,
        { email: 'a@example.test', associationType },
        refused(INVALID, [{ path: 'partnershipLead', message: `is required for ${associationType} leads` }]),
      );
    }
    await expectRefused(
      me.keys.write,
      { email: 'a@example.test', associationType: 'campaigns' },
      refused(INVALID, [{ path: 'companyCampaignId', message: 'is required for campaign leads' }]),
    );
    await expectRefused(
      me.keys.write,
      { email: 'a@example.test', associationType: 'referral', partnershipLead: {} },
      refused(INVALID, [{ path: 'partnershipLead.partnership_id', message: 'is required' }]),
    );
  });

  it('a partnership that is not an accepted one of the caller, of the association type', async () => {
    const { me, partner } = await fixture();
    const outsider = await demo(db());
    const pending = await invitePartner(ctx.t.api, me.keys.write);
    const cases = [
      [outsider.me.partners[0]!.partnership_id, 'referral'], // another company's
      [pending.partnership_id, 'referral'], // not accepted yet
      [me.partners[0]!.partnership_id, 'reseller'], // a referral partnership
      [2_147_483_647, 'referral'], // none
    ] as const;
    for (const [partnershipId, associationType] of cases) {
      await expectRefused(
        me.keys.write,
        {
          ...seedExampleBody(me, partner),
          associationType,
          partnershipLead: { partnership_id: partnershipId },
        },
        refused(INVALID, [
          {
            path: 'partnershipLead.partnership_id',
            message: `no accepted ${associationType} partnership of your company with id ${partnershipId}`,
          },
        ]),
      );
    }
  });

  it('company_partnerships_id and partners_company_id that do not match the partnership', async () => {
    const { me, partner } = await fixture();
    const body = seedExampleBody(me, partner);
    const side = me.partners[0]!;
    await expectRefused(
      me.keys.write,
      {
        ...body,
        partnershipLead: {
          ...body.partnershipLead,
          company_partnerships_id: partner.partners[0]!.id, // the partner's side, not mine
          partners_company_id: me.id, // my own company, not the partner
        },
      },
      refused(INVALID, [
        {
          path: 'partnershipLead.company_partnerships_id',
          message: `must be your company partnership ${side.id} of partnership ${side.partnership_id}`,
        },
        {
          path: 'partnershipLead.partners_company_id',
          message: `must be the partner company ${partner.id} of partnership ${side.partnership_id}`,
        },
      ]),
    );
  });

  it("a campaign that is not the caller's; a partnershipLead on a campaign lead", async () => {
    const { me, partner } = await fixture();
    const theirs = partner.campaigns[0]!.id;
    await expectRefused(
      me.keys.write,
      campaignBody(me, {
        companyCampaignId: theirs,
        partnershipLead: { partnership_id: me.partners[0]!.partnership_id },
      }),
      refused(INVALID, [
        { path: 'partnershipLead', message: 'applies to referral and reseller leads only' },
        { path: 'companyCampaignId', message: `no campaign in your company with id ${theirs}` },
      ]),
    );
  });

  it("tags that are not the caller's lead tags", async () => {
    const { me, partner } = await fixture();
    const partnerTag = await makeTag(db(), me.id, { association: 'partner' });
    const theirs = partner.tags[0]!.id;
    await expectRefused(
      me.keys.write,
      campaignBody(me, { tags: [me.tags[0]!.id, partnerTag.id, { id: theirs }] }),
      refused(INVALID, [
        { path: 'tags[1]', message: `no lead tag in your company with id ${partnerTag.id}` },
        { path: 'tags[2]', message: `no lead tag in your company with id ${theirs}` },
      ]),
    );
  });

  it('custom field values the engine refuses', async () => {
    const { me, partner } = await fixture();
    const [numberField, textField] = me.customFields;
    const partnerField = await makeCustomField(db(), me.id, 'text', { category: 'partner' });
    const theirs = partner.customFields[0]!.id;
    await expectRefused(
      me.keys.write,
      campaignBody(me, {
        customFields: [
          { customFieldId: numberField!.id, type: 'number', value: { number: 'many' } },
          { customFieldId: textField!.id, type: 'number', value: { number: 1 } },
          { customFieldId: partnerField.id, type: 'text', value: { text: 'x' } },
          { customFieldId: theirs, type: 'number', value: { number: 1 } },
        ],
      }),
      refused(INVALID, [
        {
          path: 'customFields[0].value',
          message: `'${numberField!.label}' is a number field: value must be {"number": <finite number>}`,
        },
        { path: 'customFields[1].type', message: `'${textField!.label}' is a text field, not number` },
        {
          path: 'customFields[2].customFieldId',
          message: `'${partnerField.label}' is a partner field, not a lead field`,
        },
        {
          path: 'customFields[3].customFieldId',
          message: `no lead custom field with id ${theirs} in your company`,
        },
      ]),
    );
  });

  it("attributions that do not credit one of the caller's company partnerships", async () => {
    const { me, partner } = await fixture();
    const theirSide = partner.partners[0]!.id;
    await expectRefused(
      me.keys.write,
      campaignBody(me, {
        attributions: [
          { id: me.partners[0]!.id, attributedDate: '2024-01-15T10:30:00Z' },
          { id: theirSide, attributedDate: '2024-01-15T10:30:00Z' },
        ],
      }),
      refused(INVALID, [
        { path: 'attributions[1].id', message: `no company partnership of yours with id ${theirSide}` },
      ]),
    );
  });

  it('partnerUsers that are not active users of the partner company', async () => {
    const { me, partner } = await fixture();
    const gone = await makeUser(db(), partner.id);
    await db().update(users).set({ disabled_at: sql`now()` }).where(eq(users.id, gone.id));
    const body = seedExampleBody(me, partner);
    const mine = me.users[0]!.id;
    await expectRefused(
      me.keys.write,
      {
        ...body,
        partnershipLead: {
          ...body.partnershipLead,
          partnerUsers: [partner.users[0]!.id, mine, { id: gone.id }],
        },
      },
      refused(INVALID, [
        {
          path: 'partnershipLead.partnerUsers[1]',
          message: `no active user of the partner company with id ${mine}`,
        },
        {
          path: 'partnershipLead.partnerUsers[2]',
          message: `no active user of the partner company with id ${gone.id}`,
        },
      ]),
    );
  });

  it("partnerCustomFields checked against the partner's lead fields", async () => {
    const { me, partner } = await fixture();
    const mine = me.customFields[0]!.id;
    const [theirNumber] = partner.customFields;
    await expectRefused(
      me.keys.write,
      {
        ...seedExampleBody(me, partner),
        partnerCustomFields: [
          { customFieldId: mine, type: 'number', value: { number: 1 } },
          { customFieldId: theirNumber!.id, type: 'number', value: { text: '1' } },
        ],
      },
      refused(INVALID, [
        {
          path: 'partnerCustomFields[0].customFieldId',
          message: `no lead custom field with id ${mine} in the partner's company`,
        },
        {
          path: 'partnerCustomFields[1].value',
          message: `'${theirNumber!.label}' is a number field: value must be {"number": <finite number>}`,
        },
      ]),
    );
  });

  it('partnerUsers and partnerCustomFields without sendToPartner (there is no copy for them)', async () => {
    const { me, partner } = await fixture();
    const body = seedExampleBody(me, partner);
    await expectRefused(
      me.keys.write,
      {
        ...body,
        partnershipLead: { ...body.partnershipLead, sendToPartner: false },
        partnerCustomFields: [
          { customFieldId: partner.customFields[0]!.id, type: 'number', value: { number: 1 } },
        ],
      },
      refused(INVALID, [
        { path: 'partnershipLead.partnerUsers', message: 'applies only with sendToPartner: true' },
        { path: 'partnerCustomFields', message: 'applies only with partnershipLead.sendToPartner: true' },
      ]),
    );
  });

  it('sentBy.userId that is not a user of the caller', async () => {
    const { me, partner } = await fixture();
    const body = seedExampleBody(me, partner);
    const theirs = partner.users[0]!.id;
    await expectRefused(
      me.keys.write,
      { ...body, partnershipLead: { ...body.partnershipLead, sentBy: { userId: theirs } } },
      refused(INVALID, [
        { path: 'partnershipLead.sentBy.userId', message: `no user in your company with id ${theirs}` },
      ]),
    );
  });
});

describe('POST /v1/leads: keys', () => {
  it('a read key is refused with 403 before anything is checked', async () => {
    const { me } = await fixture();
    await expectRefused(
      me.keys.read,
      { nonsense: true },
      { error: 'Write access required for this operation', code: 'forbidden' },
      403,
    );
  });

  it('no key, or an unknown one: 401', async () => {
    const { me } = await fixture();
    const none = await ctx.t.api.post('/v1/leads', { body: campaignBody(me) });
    expect(none.status).toBe(401);
    const unknown = await ctx.t.api.post('/v1/leads', {
      key: `jb_api_${'x'.repeat(40)}`,
      body: campaignBody(me),
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('Invalid API key');
  });
});

describe('POST /v1/leads: free-form JSON is bounded', () => {
  it('refuses a deeply nested integrationCustomFields value with a 400 (not a 500), with or without Idempotency-Key', async () => {
    const { me } = await fixture();
    // Written as text: JSON.stringify itself cannot nest this deep.
    const deep = `${'['.repeat(50_000)}"leaf"${']'.repeat(50_000)}`;
    const rawBody = JSON.stringify(
      campaignBody(me, { integrationCustomFields: [{ uuid: 'x', value: 'DEEP' }] }),
    ).replace('"DEEP"', deep);
    for (const extra of [{}, { 'idempotency-key': `deep-${Date.now()}` }] as Record<string, string>[]) {
      const before = await leadRowCounts(db());
      const res = await ctx.t.api.post('/v1/leads', {
        key: me.keys.write,
        rawBody,
        headers: { 'content-type': 'application/json', ...extra },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(INVALID);
      expect(res.body.details).toEqual([
        { path: 'integrationCustomFields[0].value', message: 'must nest at most 32 levels' },
      ]);
      expect(await leadRowCounts(db())).toEqual(before);
    }
    const shallow = await ctx.t.api.post('/v1/leads', {
      key: me.keys.write,
      body: campaignBody(me, { integrationCustomFields: [{ uuid: 'x', value: { a: [1, { b: 2 }] } }] }),
    });
    expect(shallow.status).toBe(201);
  });
});
