import { describe, expect, it } from 'vitest';
import { type CreateFacts, rules } from '../../src/modules/partners/partners.create.js';
import { CreatePartnerBody } from '../../src/modules/partners/partners.schemas.js';
import { CATEGORY, NO_FIELDS, refs, STAGE, TIER, tag, thrown, user } from './partners-fixtures.js';

// POST /v1/partners, its rules without a database: every problem in one 400, the 409 of a pair
// that already has the partnership, and the plan the write carries out.

const caller = { companyId: 1, userId: 10, keyId: 100 };
const body = (over: Record<string, unknown> = {}) =>
  CreatePartnerBody.parse({
    name: 'Acme',
    emails: [{ email: 'ann@acme.test', firstName: 'Ann' }, { email: 'bob@acme.test' }],
    partnerType: 'referral',
    ...over,
  });
const facts = (over: Partial<CreateFacts> = {}): CreateFacts => ({
  existing: null,
  taken: false,
  country: null,
  company_name: 'Me Inc',
  refs: refs(),
  fields: NO_FIELDS,
  ...over,
});
const ACME = {
  id: 2,
  uuid: 'u-2',
  name: 'Acme (theirs)',
  website_url: null,
  email_domain: 'acme.test',
  description: null,
  country: null,
};

describe('partners create rules', () => {
  it('a new company: its people become its users (the first an admin), invited while pending', () => {
    const country = { id: 3, code: 'BE', label: 'Belgium' };
    const plan = rules(facts({ refs: refs({ stage: STAGE }), country }), caller, body({ countryId: 3 }));
    expect(plan).toMatchObject({
      companyId: 1,
      invitedBy: 10,
      apiKeyId: 100,
      domain: 'acme.test',
      partner: { name: 'Acme', domain: 'acme.test', countryId: 3 },
      partnerName: 'Acme',
      partnership: { partner_type: 'referral', reseller: null, status: 'pending' },
      // No stageUuid: the first partner stage the facts found.
      side: { stage_id: STAGE.id, tier_id: null, category_id: null },
      newUsers: [
        { email: 'ann@acme.test', first_name: 'Ann', last_name: null, role: 'admin' },
        { email: 'bob@acme.test', first_name: null, last_name: null, role: 'partnerships' },
      ],
      invite: true,
      partnerSees: false,
      invitingCompanyName: 'Me Inc',
    });
    expect(plan.contacts.map((c) => c.email)).toEqual(['ann@acme.test', 'bob@acme.test']);
    expect(rules(facts(), caller, body({ inactive: true })).invite).toBe(false);
  });

  it('an existing company: linked by id, no users, no invitations, and it sees the partnership', () => {
    const plan = rules(facts({ existing: ACME }), caller, body({ partnerType: 'reseller', stageUuid: null }));
    expect(plan).toMatchObject({
      partner: { id: 2 },
      partnerName: 'Acme (theirs)',
      partnership: { reseller: 'partner' },
      side: { stage_id: null },
      newUsers: [],
      invite: false,
      partnerSees: true,
    });
  });

  it('classification, tags per contact and users, picked from the facts in list order', () => {
    const plan = rules(
      facts({
        refs: refs({ tags: [tag(5, 'a'), tag(4, 'b')], tier: TIER, category: CATEGORY, users: [user(11)] }),
      }),
      caller,
      body({
        tags: [4, 5],
        tierId: TIER.id,
        categoryId: CATEGORY.id,
        assignedUsers: [11],
        emails: [{ email: 'ann@acme.test', tags: [4] }],
      }),
    );
    expect(plan.tags.map((t) => t.id)).toEqual([5, 4]);
    expect(plan.side).toEqual({ stage_id: null, tier_id: TIER.id, category_id: CATEGORY.id });
    expect(plan.users).toEqual([user(11)]);
    expect(plan.contacts[0]!.tags).toEqual([tag(4, 'b')]);
  });

  it('every problem at once, in a fixed order', () => {
    const error = thrown(() =>
      rules(
        facts({ existing: { ...ACME, id: 1 } }),
        caller,
        body({
          emailDomain: 'acme.test',
          emails: [
            { email: 'ann@acme.test', tags: [6] },
            { email: 'ANN@acme.test' },
            { email: 'x@else.test' },
          ],
          reseller: 'partner',
          tags: [4],
          stageUuid: STAGE.uuid,
          tierId: 8,
          categoryId: 9,
          assignedUsers: [11],
          countryId: 999,
          customFields: [{ customFieldId: 50, type: 'text', value: { text: 'x' } }],
        }),
      ),
    );
    expect(error.status).toBe(400);
    expect(error.details).toEqual([
      { path: 'emails[1].email', message: 'repeats emails[0].email' },
      { path: 'emails[2].email', message: "must be an address at the partner's email domain 'acme.test'" },
      { path: 'reseller', message: 'applies to reseller partnerships only' },
      { path: 'tags', message: 'Unknown referral partner tag id(s) for your company: 4' },
      { path: 'emails[0].tags', message: 'Unknown referral partner tag id(s) for your company: 6' },
      { path: 'stageUuid', message: `Unknown referral partner stage uuid for your company: ${STAGE.uuid}` },
      { path: 'tierId', message: 'Unknown referral tier id(s) for your company: 8' },
      { path: 'categoryId', message: 'Unknown referral category id(s) for your company: 9' },
      { path: 'assignedUsers[0]', message: 'no active user with id 11 in your company' },
      {
        path: 'emailDomain',
        message: "'acme.test' is your own company's domain: a company cannot partner with itself",
      },
      { path: 'countryId', message: 'no country with id 999' },
      {
        path: 'customFields[0].customFieldId',
        message: 'no partner custom field with id 50 in your company',
      },
    ]);
  });

  it('the pair already has a partnership of this type: 409, after the 400s', () => {
    expect(thrown(() => rules(facts({ existing: ACME, taken: true }), caller, body()))).toEqual({
      status: 409,
      error: 'A referral partnership with acme.test already exists',
      code: 'conflict',
    });
    expect(
      thrown(() => rules(facts({ existing: ACME, taken: true }), caller, body({ reseller: 'company' })))
        .status,
    ).toBe(400);
  });
});
