import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { companies, partnerships, users } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import {
  makeCategory,
  makeCustomField,
  makeStage,
  makeTag,
  makeTier,
} from '../helpers/catalogue-factories.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { newDomain, partnerBody } from '../helpers/partners.js';

// Every way the create body (Journeybee's POST /partnerships) can be wrong: each is a 400
// naming the field in `error` and in `details`, and none of them writes anything.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
let me: Tenant;
let other: Tenant;
let foreign: { tier: number; tag: number; field: number; user: number };
let mine: { leadTag: number; dealStage: string; category: number; leadField: number };

beforeAll(async () => {
  me = await makeTenant(db());
  other = await makeTenant(db());
  foreign = {
    tier: (await makeTier(db(), other.company.id)).id,
    tag: (await makeTag(db(), other.company.id)).id,
    field: (await makeCustomField(db(), other.company.id, 'text')).id,
    user: (await makeUser(db(), other.company.id)).id,
  };
  mine = {
    leadTag: (await makeTag(db(), me.company.id, { association: 'lead' })).id,
    dealStage: (await makeStage(db(), me.company.id, { pipeline: 'lead_deal' })).uuid,
    category: (await makeCategory(db(), me.company.id)).id,
    leadField: (await makeCustomField(db(), me.company.id, 'text', { category: 'lead' })).id,
  };
});

async function counts() {
  const [row] = await db()
    .select({
      companies: sql<number>`(select count(*)::int from ${companies})`,
      users: sql<number>`(select count(*)::int from ${users})`,
      partnerships: sql<number>`(select count(*)::int from ${partnerships})`,
    })
    .from(sql`(select 1) as one`);
  return row;
}

/** POSTs a body with a fresh key of `me` (each case its own rate-limit budget). */
async function create(body: unknown) {
  const key = await makeApiKey(db(), me.company.id, 'write', { userId: me.admin.id });
  return ctx.t.api.post('/v1/partners', { key: key.key, body });
}

const without = (key: string) => {
  const body: Record<string, unknown> = partnerBody();
  delete body[key];
  return body;
};
const withEmail = (email: unknown, extra: Record<string, unknown> = {}) =>
  partnerBody(newDomain(), { emails: [{ email, ...extra }] });

const BUSINESS =
  'must be a business email address: free email providers (gmail.com, outlook.com, …) name no company';
const ID = 'must be a positive integer id';

describe('partners: create body, whole error bodies', () => {
  it('an empty body names the three required fields', async () => {
    const res = await create({});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Invalid field 'name': is required",
      code: 'bad_request',
      details: [
        { path: 'name', message: 'is required' },
        { path: 'emails', message: 'is required' },
        { path: 'partnerType', message: 'is required' },
      ],
    });
  });

  it('a free-mail address', async () => {
    const res = await create(withEmail('someone@gmail.com'));
    expect(res.body).toEqual({
      error: `Invalid field 'emails[0].email': ${BUSINESS}`,
      code: 'bad_request',
      details: [{ path: 'emails[0].email', message: BUSINESS }],
    });
  });

  it('unknown fields, top level and nested', async () => {
    const body = partnerBody(newDomain(), {
      website: 'x',
      emails: [{ email: `a@${newDomain()}`, phone: '1' }],
    });
    const res = await create(body);
    expect(res.body).toEqual({
      error: 'Unknown fields: emails[0].phone, website',
      code: 'bad_request',
      details: [
        { path: 'emails[0].phone', message: "Unknown field 'emails[0].phone'" },
        { path: 'website', message: "Unknown field 'website'" },
      ],
    });
  });

  it('ids that are not yours, all reported at once', async () => {
    const domain = newDomain();
    const res = await create(
      partnerBody(domain, {
        emails: [{ email: `a@${domain}`, tags: [foreign.tag] }],
        tierId: foreign.tier,
        categoryId: 999999,
        stageUuid: mine.dealStage,
        countryId: 9999,
        tags: [mine.leadTag],
        assignedUsers: [foreign.user],
        customFields: [
          { customFieldId: foreign.field, type: 'text', value: { text: 'x' } },
          { customFieldId: mine.leadField, type: 'text', value: { text: 'x' } },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid field 'tags': Unknown referral partner tag id(s) for your company: ${mine.leadTag}`,
      code: 'bad_request',
      details: [
        { path: 'tags', message: `Unknown referral partner tag id(s) for your company: ${mine.leadTag}` },
        {
          path: 'emails[0].tags',
          message: `Unknown referral partner tag id(s) for your company: ${foreign.tag}`,
        },
        {
          path: 'stageUuid',
          message: `Unknown referral partner stage uuid for your company: ${mine.dealStage}`,
        },
        { path: 'tierId', message: `Unknown referral tier id(s) for your company: ${foreign.tier}` },
        { path: 'categoryId', message: 'Unknown referral category id(s) for your company: 999999' },
        { path: 'assignedUsers[0]', message: `no active user with id ${foreign.user} in your company` },
        { path: 'countryId', message: 'no country with id 9999' },
        {
          path: 'customFields[0].customFieldId',
          message: `no partner custom field with id ${foreign.field} in your company`,
        },
        {
          path: 'customFields[1].customFieldId',
          message: expect.stringMatching(/' is a lead field, not a partner field$/),
        },
      ],
    });
  });
});

describe('partners: create body, one mistake each', () => {
  const domain = 'acme-partner.test';
  const cases: [string, () => unknown, string, string][] = [
    ['name missing', () => without('name'), 'name', 'is required'],
    ['name blank', () => partnerBody(newDomain(), { name: '   ' }), 'name', 'must not be empty'],
    ['name not a string', () => partnerBody(newDomain(), { name: 42 }), 'name', 'must be a string'],
    [
      'name too long',
      () => partnerBody(newDomain(), { name: 'x'.repeat(201) }),
      'name',
      'must be at most 200 characters',
    ],
    ['emails missing', () => without('emails'), 'emails', 'is required'],
    [
      'emails empty',
      () => partnerBody(newDomain(), { emails: [] }),
      'emails',
      'must contain at least one email',
    ],
    [
      'emails not an array',
      () => partnerBody(newDomain(), { emails: 'a@b.test' }),
      'emails',
      'must be an array of {email, firstName, lastName, tags}',
    ],
    [
      'email missing',
      () => partnerBody(newDomain(), { emails: [{ firstName: 'A' }] }),
      'emails[0].email',
      'is required',
    ],
    ['email malformed', () => withEmail('not-an-email'), 'emails[0].email', 'must be a valid email address'],
    ['email not a string', () => withEmail(7), 'emails[0].email', 'must be a valid email address'],
    [
      'email firstName not a string',
      () => withEmail(`a@${domain}`, { firstName: 1 }),
      'emails[0].firstName',
      'must be a string',
    ],
    ['email tag not an id', () => withEmail(`a@${domain}`, { tags: [0] }), 'emails[0].tags[0]', ID],
    [
      'email tags repeated',
      () => withEmail(`a@${domain}`, { tags: [3, 3] }),
      'emails[0].tags[1]',
      'repeats id 3',
    ],
    ['partnerType missing', () => without('partnerType'), 'partnerType', 'is required'],
    [
      'partnerType unknown',
      () => partnerBody(newDomain(), { partnerType: 'distributor' }),
      'partnerType',
      'must be one of: referral, reseller',
    ],
    ['tierId a string', () => partnerBody(newDomain(), { tierId: '5' }), 'tierId', ID],
    ['tierId a fraction', () => partnerBody(newDomain(), { tierId: 1.5 }), 'tierId', ID],
    ['categoryId zero', () => partnerBody(newDomain(), { categoryId: 0 }), 'categoryId', ID],
    [
      'stageUuid not a uuid',
      () => partnerBody(newDomain(), { stageUuid: 'first' }),
      'stageUuid',
      'must be a UUID',
    ],
    [
      'inactive not a boolean',
      () => partnerBody(newDomain(), { inactive: 'yes' }),
      'inactive',
      'must be true or false',
    ],
    ['countryId negative', () => partnerBody(newDomain(), { countryId: -1 }), 'countryId', ID],
    [
      'emailDomain malformed',
      () => partnerBody(newDomain(), { emailDomain: 'not a domain' }),
      'emailDomain',
      'must be a domain name such as acme.com',
    ],
    [
      'emailDomain free mail',
      () => partnerBody(newDomain(), { emailDomain: 'Gmail.com' }),
      'emailDomain',
      'must be a business domain, not a free email provider',
    ],
    [
      'reseller unknown',
      () => partnerBody(newDomain(), { partnerType: 'reseller', reseller: 'both' }),
      'reseller',
      'must be one of: company, partner',
    ],
    [
      'assignedUsers not an array',
      () => partnerBody(newDomain(), { assignedUsers: 5 }),
      'assignedUsers',
      'must be an array of ids',
    ],
    [
      'assignedUsers too many',
      () => partnerBody(newDomain(), { assignedUsers: Array.from({ length: 101 }, (_, i) => i + 1) }),
      'assignedUsers',
      'must have at most 100 ids',
    ],
    ['tags with a non-id', () => partnerBody(newDomain(), { tags: [1, 'a'] }), 'tags[1]', ID],
    [
      'customFields not an array',
      () => partnerBody(newDomain(), { customFields: {} }),
      'customFields',
      'must be an array of {customFieldId, type, value}',
    ],
    [
      'customField without an id',
      () => partnerBody(newDomain(), { customFields: [{ type: 'text', value: { text: 'x' } }] }),
      'customFields[0].customFieldId',
      'is required',
    ],
    [
      'customField with an unknown type',
      () =>
        partnerBody(newDomain(), { customFields: [{ customFieldId: 1, type: 'url', value: { text: 'x' } }] }),
      'customFields[0].type',
      'must be one of: text, textarea, number, date, boolean, select, multi_select',
    ],
    [
      'customField value not an object',
      () => partnerBody(newDomain(), { customFields: [{ customFieldId: 1, type: 'text', value: 'x' }] }),
      'customFields[0].value',
      'must be an object such as {"text": "…"}, or null',
    ],
    // Rules that need more than the body's shape.
    [
      'an email off the given emailDomain',
      () => partnerBody(domain, { emailDomain: 'elsewhere.test' }),
      'emails[0].email',
      "must be an address at the partner's email domain 'elsewhere.test'",
    ],
    [
      'emails on two domains',
      () => partnerBody(domain, { emails: [{ email: `a@${domain}` }, { email: 'b@other.test' }] }),
      'emails[1].email',
      `must be an address at the partner's email domain '${domain}'`,
    ],
    [
      'the same email twice (any case)',
      () =>
        partnerBody(domain, { emails: [{ email: `a@${domain}` }, { email: `A@${domain.toUpperCase()}` }] }),
      'emails[1].email',
      'repeats emails[0].email',
    ],
    [
      'reseller on a referral partnership',
      () => partnerBody(newDomain(), { reseller: 'partner' }),
      'reseller',
      'applies to reseller partnerships only',
    ],
  ];

  it.each(cases)('%s', async (_name, body, path, message) => {
    const before = await counts();
    const res = await create(body());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid field '${path}': ${message}`,
      code: 'bad_request',
      details: [{ path, message }],
    });
    expect(await counts()).toEqual(before);
  });

  it('your own domain as emailDomain', async () => {
    const domain = me.company.domain!;
    const res = await create(partnerBody(domain, { emailDomain: domain }));
    const message = `'${domain}' is your own company's domain: a company cannot partner with itself`;
    expect(res.body).toEqual({
      error: `Invalid field 'emailDomain': ${message}`,
      code: 'bad_request',
      details: [{ path: 'emailDomain', message }],
    });
  });
});

describe('partners: business emails', () => {
  const free = [
    'gmail.com',
    'yahoo.com',
    'yahoo.co.uk',
    'hotmail.com',
    'hotmail.fr',
    'outlook.com',
    'icloud.com',
    'aol.com',
    'proton.me',
    'gmx.de',
    'gmx.net',
    'mail.ru',
    'yandex.ru',
    'GMAIL.COM',
  ];
  it.each(free)('%s is refused', async (domain) => {
    const res = await create(withEmail(`someone@${domain}`));
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'emails[0].email', message: BUSINESS }]);
  });

  it.each(['gmailer.com', 'acme-mail.ru.test', 'company.de'])('%s is a business domain', async (domain) => {
    const res = await create(partnerBody(domain, { emails: [{ email: `ann@${domain}` }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.partner.email_domain).toBe(domain);
  });
});
